#!/usr/bin/env node
/**
 * bench/public: 300 concurrent HLS viewers of one public demonstration site on loopback, against our
 * server's public route `/public/hls/:cameraId/:file` (the real API: site lookup in the database, the
 * public rate limit where merged, file read) and against `@fastify/static` serving the same folder, in the
 * same run. Prints for each: requests/s, segment and playlist latency p50/p99 (to the last byte), the
 * server process's CPU (from /proc/<pid>/stat over the measured window), and the ratio ours / static.
 *
 * Set-up: ffmpeg encodes a pool of 1-second segments of testsrc (640×360, 25 fps, ~800 kbit/s) once; a
 * feeder here publishes a live window (6 segments, a new one each second, older ones deleted) into the
 * API's HLS folder (DATA_DIR/media/hls/<cameraId>), as the ingest would. Our server (server.mjs) and the
 * static one (static.mjs) are child processes of their own; the viewers run in `--workers` load-generator
 * processes (viewers.worker.mjs), each viewer one keep-alive connection fetching the playlist every target
 * duration and each new segment, as hls.js does. The targets alternate (static, ours; ours, static; …)
 * so that the machine's other load falls on both. Everything is bounded: each phase stops itself after
 * warm-up + window; the children die with this process.
 *
 * The public rate limits are per address and every viewer here is 127.0.0.1, so the API is started with
 * PUBLIC_HLS_PER_MINUTE and PUBLIC_JSON_PER_MINUTE raised (the env names of the public pages' limits).
 *
 *   npm run build && node bench/public/run.mjs [--viewers 300] [--seconds 20] [--warm 5] [--rounds 2] [--workers 2]
 */
import { execFileSync, fork } from "node:child_process";
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { startPrivateRedis } from "../../services/process/dist/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const VIEWERS = arg("--viewers", 300);
const SECONDS = arg("--seconds", 20);
const WARM = arg("--warm", 5);
const ROUNDS = arg("--rounds", 2);
const WORKERS = arg("--workers", 2);
const POOL = 30;
const WINDOW = 6;
const HERE = import.meta.dirname;
const TICK = 100; // USER_HZ on Linux

function pct(xs, p) {
  if (!xs.length) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** CPU seconds (user + system) of one process so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** A child that answers `{ ready }` over IPC; its message, or an error with its output. */
function start(script, env) {
  const child = fork(path.join(HERE, script), {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready in 120 s:\n${out}`)), 120_000);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve({ child, ...m });
    });
    child.once("exit", (code) => reject(new Error(`${script} exited (${code}):\n${out}`)));
  });
}

/** Encodes the pool of 1-second segments once (seg-0.ts … seg-29.ts). */
function encodePool(dir) {
  mkdirSync(dir, { recursive: true });
  execFileSync("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=640x360:rate=25",
    "-t",
    String(POOL),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-b:v",
    "800k",
    "-minrate",
    "800k",
    "-maxrate",
    "800k",
    "-bufsize",
    "800k",
    // Constant bit rate (filler included): testsrc would otherwise compress to a quarter of a camera's size.
    "-x264-params",
    "nal-hrd=cbr",
    "-g",
    "25",
    "-keyint_min",
    "25",
    "-sc_threshold",
    "0",
    "-f",
    "hls",
    "-hls_time",
    "1",
    "-hls_list_size",
    "0",
    "-hls_segment_filename",
    path.join(dir, "seg-%d.ts"),
    path.join(dir, "pool.m3u8"),
  ]);
  return readdirSync(dir).filter((f) => f.endsWith(".ts")).length;
}

/** Publishes a live window into `live`, a new segment each second, as the ingest's ffmpeg does. */
function feeder(pool, poolSize, live) {
  mkdirSync(live, { recursive: true });
  let seq = 0;
  const publish = () => {
    linkSync(path.join(pool, `seg-${seq % poolSize}.ts`), path.join(live, `seg-${seq}.ts`));
    const first = Math.max(0, seq - WINDOW + 1);
    const lines = [
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      "#EXT-X-TARGETDURATION:1",
      `#EXT-X-MEDIA-SEQUENCE:${first}`,
    ];
    for (let i = first; i <= seq; i++) lines.push("#EXTINF:1.000000,", `seg-${i}.ts`);
    writeFileSync(path.join(live, "index.m3u8.tmp"), `${lines.join("\n")}\n`);
    renameSync(path.join(live, "index.m3u8.tmp"), path.join(live, "index.m3u8"));
    // Kept a while after leaving the playlist (a slow viewer may still ask), as hls_delete_threshold does.
    if (seq >= WINDOW + 4) rmSync(path.join(live, `seg-${seq - WINDOW - 4}.ts`), { force: true });
    seq++;
  };
  for (let i = 0; i < WINDOW; i++) publish();
  const timer = setInterval(publish, 1000);
  return () => clearInterval(timer);
}

/** One phase: the viewers against one target, CPU of its process read over the counted window. */
async function phase(target) {
  const per = Math.ceil(VIEWERS / WORKERS);
  const workers = Array.from({ length: WORKERS }, (_, i) => {
    const w = fork(path.join(HERE, "viewers.worker.mjs"));
    const viewers = Math.min(per, VIEWERS - i * per);
    const done = new Promise((resolve) => w.once("message", resolve));
    w.send({ port: target.port, prefix: target.prefix, viewers, warm: WARM, seconds: SECONDS });
    return { w, done };
  });
  await new Promise((r) => setTimeout(r, WARM * 1000));
  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = cpuSeconds(target.pid) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  const outs = await Promise.all(workers.map((x) => x.done));
  for (const x of workers) x.w.kill();
  return {
    cpu,
    wall,
    playlist: outs.flatMap((o) => o.playlist),
    segment: outs.flatMap((o) => o.segment),
    errors: outs.map((o) => o.errors),
    bytes: outs.reduce((n, o) => n + o.bytes, 0),
  };
}

/** `404×3 0×2` from per-worker `{ status: count }` maps; `0` when there were none. */
function errorText(maps) {
  const all = {};
  for (const m of maps) for (const [k, v] of Object.entries(m)) all[k] = (all[k] ?? 0) + v;
  const parts = Object.entries(all).map(([k, v]) => `${k === "0" ? "none" : k}×${v}`);
  return parts.length ? parts.join(" ") : "0";
}

function summary(runs) {
  const wall = runs.reduce((n, r) => n + r.wall, 0);
  const segment = runs.flatMap((r) => r.segment);
  const playlist = runs.flatMap((r) => r.playlist);
  return {
    reqPerS: (segment.length + playlist.length) / wall,
    segPerS: segment.length / wall,
    mbPerS: runs.reduce((n, r) => n + r.bytes, 0) / wall / 1e6,
    segP50: pct(segment, 50),
    segP99: pct(segment, 99),
    plP50: pct(playlist, 50),
    plP99: pct(playlist, 99),
    cpuPct: (100 * runs.reduce((n, r) => n + r.cpu, 0)) / wall,
    // CPU per request: what the server spends, whatever share of the cores the machine's load leaves it.
    cpuUsPerReq: (1e6 * runs.reduce((n, r) => n + r.cpu, 0)) / (segment.length + playlist.length),
    errors: errorText(runs.flatMap((r) => r.errors)),
  };
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-public-"));
  const children = [];
  let stopFeeder = () => {};
  const redis = await startPrivateRedis({ dir: path.join(dir, "redis") });
  try {
    console.log(`encoding ${POOL} one-second segments (ffmpeg testsrc) …`);
    const poolSize = encodePool(path.join(dir, "pool"));
    const ours = await start("server.mjs", {
      DATA_DIR: dir,
      REDIS_URL: redis.url,
      PUBLIC_HLS_PER_MINUTE: "100000000",
      PUBLIC_JSON_PER_MINUTE: "100000000",
    });
    children.push(ours.child);
    const hlsRoot = path.join(dir, "media", "hls");
    stopFeeder = feeder(path.join(dir, "pool"), poolSize, path.join(hlsRoot, String(ours.cameraId)));
    const stat = await start("static.mjs", { HLS_ROOT: hlsRoot });
    children.push(stat.child);
    const targets = {
      ours: { port: ours.port, pid: ours.child.pid, prefix: `/public/hls/${ours.cameraId}/` },
      static: { port: stat.port, pid: stat.child.pid, prefix: `/static/hls/${ours.cameraId}/` },
    };
    for (const [name, t] of Object.entries(targets)) {
      const r = await fetch(`http://127.0.0.1:${t.port}${t.prefix}index.m3u8`);
      if (r.status !== 200) throw new Error(`${name}: playlist ${r.status} ${await r.text()}`);
    }
    const seg = readdirSync(path.join(dir, "pool")).find((f) => f.endsWith(".ts"));
    const segKb = readFileSync(path.join(dir, "pool", seg)).length / 1024;
    console.log(
      `${VIEWERS} viewers in ${WORKERS} processes, ${ROUNDS} round(s) of ${WARM} s warm-up + ${SECONDS} s per target; segments ~${segKb.toFixed(0)} KiB; load average before: ${loadavg()[0].toFixed(2)}`,
    );
    const runs = { ours: [], static: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ["static", "ours"] : ["ours", "static"];
      for (const name of order) {
        const r = await phase(targets[name]);
        runs[name].push(r);
        const s = summary([r]);
        console.log(
          `  round ${round + 1} ${name.padEnd(6)} ${s.reqPerS.toFixed(0)} req/s, segment p50 ${s.segP50.toFixed(1)} / p99 ${s.segP99.toFixed(1)} ms, CPU ${s.cpuPct.toFixed(0)}% of a core (${s.cpuUsPerReq.toFixed(0)} µs a request), errors ${s.errors}`,
        );
      }
    }
    report(summary(runs.ours), summary(runs.static));
    const probe = await new Promise((resolve) => {
      ours.child.once("message", (m) => resolve(m.probe));
      ours.child.send({ probe: 500 });
    });
    console.log(
      `our server without the network (app.inject, sequential): public playlist ${probe.playlistMs.toFixed(2)} ms, /healthz ${probe.healthMs.toFixed(2)} ms a request`,
    );
  } finally {
    stopFeeder();
    for (const c of children) c.kill();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(ours, stat) {
  const row = (name, s) =>
    `| ${name} | ${s.reqPerS.toFixed(0)} | ${s.segPerS.toFixed(0)} | ${s.mbPerS.toFixed(1)} | ${s.segP50.toFixed(1)} / ${s.segP99.toFixed(1)} | ${s.plP50.toFixed(1)} / ${s.plP99.toFixed(1)} | ${s.cpuPct.toFixed(0)}% | ${s.cpuUsPerReq.toFixed(0)} | ${s.errors} |`;
  console.log("");
  console.log(
    "| server | requests/s | segments/s | MB/s | segment p50 / p99 (ms) | playlist p50 / p99 (ms) | server CPU (of one core) | CPU µs a request | errors |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  console.log(row("ours: /public/hls (API)", ours));
  console.log(row("@fastify/static, same files", stat));
  console.log(
    `| ratio ours / static | ${(ours.reqPerS / stat.reqPerS).toFixed(2)} | | | ${(ours.segP50 / stat.segP50).toFixed(2)} / ${(ours.segP99 / stat.segP99).toFixed(2)} | ${(ours.plP50 / stat.plP50).toFixed(2)} / ${(ours.plP99 / stat.plP99).toFixed(2)} | ${(ours.cpuPct / stat.cpuPct).toFixed(2)} | ${(ours.cpuUsPerReq / stat.cpuUsPerReq).toFixed(2)} | |`,
  );
  console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
}

await main();
