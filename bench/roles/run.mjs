#!/usr/bin/env node
/**
 * bench/roles: time to ready and resident memory of `mingfang serve --roles X` for each role, and which of
 * the heavy packages (PGlite, Kysely, pg, argon2, onnxruntime, sharp) the process loads.
 *
 *   npm run build && node bench/roles/run.mjs [--cli services/cli/dist/main.js[,other/main.js]] [--runs 5]
 *                                            [--roles api,ingest,analytics,api+ingest+analytics]
 *
 * `--cli` may name several built CLIs, comma-separated (e.g. /work/main/services/cli/dist/main.js for the
 * tree before a change): their runs alternate, so that the load of a shared machine falls on both alike.
 * Every run gets the same private redis-server (so that its memory is not counted) and a PGlite data
 * directory migrated and used once beforehand (so that no run pays PGlite's first initdb). RTMP is off
 * (RTMP_PORT=0: no node-media-server child). Ready = the "mingfang is serving" log line; RSS is the main
 * process's VmRSS read at that moment, VmHWM its peak so far. Figures are medians over the runs. The
 * loaded packages come from one further run under a resolve hook (load-hook.mjs), not counted in the
 * figures (the hook's loader thread costs memory).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const CLIS = arg("--cli", path.join(ROOT, "services/cli/dist/main.js"))
  .split(",")
  .map((c) => path.resolve(c));
const RUNS = Number(arg("--runs", "5"));
const ROLE_SETS = arg("--roles", "api,ingest,analytics,api+ingest+analytics").split(",");
const READY_TIMEOUT_MS = 120_000;
const READY = "mingfang is serving";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function kib(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : Number.NaN;
}

/** Resolves with the first line of the child's stdout that contains `text`; rejects on exit or timeout. */
function waitForLine(child, text, timeoutMs) {
  return new Promise((resolve, reject) => {
    const tail = [];
    const timer = setTimeout(
      () => reject(new Error(`no '${text}' within ${timeoutMs} ms:\n${tail.join("\n")}`)),
      timeoutMs,
    );
    const onLine = (line) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (line.includes(text)) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before '${text}':\n${tail.join("\n")}`));
    });
  });
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(t);
}

/** A private redis-server without persistence; stopped at the end. */
async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  await waitForLine(child, "Ready to accept connections", 10_000);
  return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) };
}

async function env(base) {
  return { ...process.env, ...base, PORT: String(await freePort()), NMS_HTTP_PORT: String(await freePort()) };
}

/** One `serve --roles` start: time to the ready line, RSS then; stopped afterwards. */
async function startOnce(cli, roles, baseEnv, nodeArgs = []) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeArgs, cli, "serve", "--roles", roles], {
    env: await env(baseEnv),
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    await waitForLine(child, READY, READY_TIMEOUT_MS);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, rssKiB: kib(child.pid, "VmRSS"), hwmKiB: kib(child.pid, "VmHWM") };
  } finally {
    await stop(child);
  }
}

/** The watched packages one start of `roles` resolves. */
async function loadedPackages(cli, roles, baseEnv, file) {
  await startOnce(cli, roles, { ...baseEnv, BENCH_LOADS_FILE: file }, [
    "--import",
    path.join(HERE, "load-hook.mjs"),
  ]);
  try {
    return [...new Set(readFileSync(file, "utf8").trim().split("\n").filter(Boolean))].sort();
  } catch {
    return [];
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function prepare(cli, baseEnv) {
  // Migrate, then one untimed start with every role: PGlite's initdb and the first admin are done here.
  await new Promise((resolve, reject) => {
    const m = spawn(process.execPath, [cli, "migrate"], {
      env: { ...process.env, ...baseEnv },
      stdio: "ignore",
    });
    m.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited ${code}`))));
  });
  await startOnce(cli, "api,ingest,analytics", baseEnv);
}

/** Each role set started RUNS times per CLI, the CLIs alternating; one line per role set and CLI. */
async function measure(work, envs) {
  const mib = (k) => (k / 1024).toFixed(0).padStart(8);
  console.log("cli  roles                      ready ms   RSS MiB   peak MiB   loads");
  for (const roles of ROLE_SETS.map((r) => r.replaceAll("+", ","))) {
    const runs = CLIS.map(() => []);
    for (let i = 0; i < RUNS; i++) {
      for (const [c, cli] of CLIS.entries()) runs[c].push(await startOnce(cli, roles, envs[c]));
    }
    for (const [c, cli] of CLIS.entries()) {
      const file = path.join(work, `loads-${c}-${roles.replaceAll(",", "+")}.txt`);
      const loads = await loadedPackages(cli, roles, envs[c], file);
      const r = runs[c];
      console.log(
        `${String(c).padEnd(4)} ${roles.padEnd(24)} ${median(r.map((x) => x.ms))
          .toFixed(0)
          .padStart(
            9,
          )} ${mib(median(r.map((x) => x.rssKiB)))}  ${mib(median(r.map((x) => x.hwmKiB)))}   ${loads.join(" ") || "-"}`,
      );
    }
  }
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), "mf-roles-"));
  const redis = await startRedis(work);
  const envs = CLIS.map((_, c) => ({
    DATA_DIR: path.join(work, `data-${c}`),
    REDIS_URL: redis.url,
    HOST: "127.0.0.1",
    RTMP_PORT: "0",
    LOG_LEVEL: "info",
    MINGFANG_ADMIN_PASSWORD: "bench-admin-password",
  }));
  try {
    for (const [c, cli] of CLIS.entries()) await prepare(cli, envs[c]);
    for (const [c, cli] of CLIS.entries()) console.log(`cli ${c}: ${cli}`);
    console.log(`${RUNS} runs per role and CLI, medians`);
    await measure(work, envs);
  } finally {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
