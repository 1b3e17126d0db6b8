/**
 * The real `mingfang demo` as a child process for system tests: its own data directory (sharing the
 * simulator's clip cache with the other tests, as encoding is slow), free ports, the banner parsed for the
 * URL, the admin password and the private Redis. `stop()` sends SIGINT and waits; the tethered children
 * die with it whatever happens.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const CLI = path.join(ROOT, "services/cli/dist/main.js");

/**
 * Polls `fn` until it returns something truthy (and returns that), or throws naming `what` after `ms`.
 * @template T
 * @param {() => T | undefined | false | Promise<T | undefined | false>} fn
 * @param {number} ms
 * @param {string | (() => string)} what
 * @returns {Promise<T>}
 */
export async function waitFor(fn, ms, what, everyMs = 200) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * @typedef {object} DemoProcess
 * @property {string} url the console's and API's origin
 * @property {string} redisUrl the demo's private Redis
 * @property {string} adminPassword
 * @property {string} dataDir
 * @property {import("node:child_process").ChildProcess} child
 * @property {() => string} output everything the demo printed
 * @property {() => Promise<void>} stop SIGINT, wait, remove the data directory
 */

// A block of 10 ports per test process (by pid): two test files starting a demo at the same time, in
// processes with neighbouring pids, do not pick the same ports. The blocks lie below Linux's ephemeral
// range (32768–60999), where any outgoing connection or port-0 server may already hold a port (seen in a
// full run: the RTMP port taken); a port found in use is skipped.
let nextPort = 20000 + (process.pid % 1200) * 10;

/** The next port of this process's block that nothing on 127.0.0.1 listens on now. */
async function nextFreePort() {
  for (;;) {
    const port = ++nextPort;
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * @param {{ cameras: number, env?: Record<string, string> }} opts
 * @returns {Promise<DemoProcess>}
 */
export async function startDemo(opts) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dataDir = mkdtempSync(path.join(tmpdir(), "mf-demo-"));
  const cache = path.join(ROOT, ".test-data", "clips");
  mkdirSync(cache, { recursive: true });
  symlinkSync(cache, path.join(dataDir, "clips"));
  const env = {
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    SIMULATOR_RTSP_PORT: String(await nextFreePort()),
    RTMP_PORT: String(await nextFreePort()),
    NMS_HTTP_PORT: String(await nextFreePort()),
    ...opts.env,
  };
  for (const k of ["DATABASE_URL", "REDIS_URL", "MINGFANG_SECRET", "MINGFANG_ADMIN_PASSWORD"]) delete env[k];
  const child = spawn(process.execPath, [CLI, "demo", "--cameras", String(opts.cameras)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      await waitFor(
        () => child.exitCode !== null || child.signalCode !== null,
        30_000,
        "the demo to stop",
      ).catch(() => child.kill("SIGKILL"));
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Everything starts before the banner; on 2 shared cores that took over 60 s once in CI.
    await waitFor(
      () => out.includes("Ctrl-C stops everything") || child.exitCode !== null,
      180_000,
      () => `the demo banner; output so far:\n${out}`,
    );
    if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}):\n${out}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: /Console\s+(http:\/\/[^/\s]+)\//.exec(out)[1],
    redisUrl: /private Redis (redis:\/\/[^)\s]+)/.exec(out)[1],
    adminPassword: /admin\s+bureau_admin\s+password: (\S+)/.exec(out)[1],
    dataDir,
    child,
    output: () => out,
    stop,
  };
}
