#!/usr/bin/env node
/**
 * bench/ingest: CPU seconds per camera-minute and memory per camera, for N simulated cameras:
 *   floor       bare `ffmpeg -rtsp_transport tcp -i … -c copy -f hls` per camera (no supervision, no sampling)
 *   floor+samp  the same plus a bare keyframe-only JPEG sampler per camera, output discarded
 *   ours-live our camera owners with analysis off (live HLS only, supervised)
 *   ours-full our camera owners with frame sampling on (live HLS + keyframe-only JPEG sampling → BullMQ)
 * measured in the same run against the same simulator, printed as ratios to the floor.
 *
 *   npm run build && node bench/ingest/run.mjs [--cameras 8,42] [--seconds 40]
 *
 * The simulator's own CPU is not counted (it is the cameras). Our figure counts the ffmpeg processes and
 * this Node process (supervision, frame splitting, Redis/BullMQ writes). What a frame costs Redis itself
 * (memory, CPU), the JPEG base64 in the job against a blob beside it: frames-redis.mjs.
 */
import { execSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CameraOwner,
  CameraSimulator,
  DEFAULT_INGEST_SETTINGS,
  QueueFrameSink,
  StartGate,
  simulatedCameras,
} from "../../ingest/dist/index.js";
import { createLogger, createRedis } from "../../services/core/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const COUNTS = arg("--cameras", "8,42").split(",").map(Number);
const SECONDS = Number(arg("--seconds", "40"));
const WARMUP = 10;
const TICK = Number(execSync("getconf CLK_TCK").toString()) || 100;

function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    const rssPages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return { cpu: (Number(f[11]) + Number(f[12])) / TICK, rss: rssPages * 4096 };
  } catch {
    return { cpu: 0, rss: 0 };
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(label, n, start, stop, ownPids, ready = () => true) {
  await start();
  // Everything up first (our owners start a few processes at a time), then the warm-up.
  const upBy = Date.now() + 180_000;
  while (!ready() && Date.now() < upBy) await sleep(500);
  if (!ready()) console.warn(`${label} ${n}: not all processes live after 180 s; measuring anyway`);
  await sleep(WARMUP * 1000);
  const pids0 = ownPids();
  const before = new Map(pids0.map((p) => [p, procStat(p)]));
  const node0 = process.cpuUsage();
  const t0 = Date.now();
  const rssSamples = [];
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(2000);
    const pids = ownPids();
    rssSamples.push(pids.reduce((a, p) => a + procStat(p).rss, 0));
  }
  const elapsed = (Date.now() - t0) / 1000;
  const pids1 = ownPids();
  let cpu = 0;
  for (const p of pids1) cpu += procStat(p).cpu - (before.get(p)?.cpu ?? 0);
  const nodeDelta = process.cpuUsage(node0);
  const nodeCpu = label === "floor" ? 0 : (nodeDelta.user + nodeDelta.system) / 1e6;
  await stop();
  const cpuPerCamMin = ((cpu + nodeCpu) / n) * (60 / elapsed);
  const rss = rssSamples.reduce((a, b) => a + b, 0) / Math.max(1, rssSamples.length);
  return {
    label,
    n,
    cpuPerCamMin,
    pctOfCorePerCam: (cpuPerCamMin / 60) * 100,
    memPerCamMiB: rss / n / 1048576,
    processes: pids1.length,
    restarts: 0,
  };
}

/** The private Redis, its connections and the simulator with the largest count of cameras. */
async function startInfra() {
  const work = mkdtempSync(path.join(tmpdir(), "mf-bench-ingest-"));
  const redis = await startPrivateRedis({ dir: path.join(work, "redis") });
  const conn = createRedis(redis.url);
  const qconn = createRedis(redis.url, { maxRetriesPerRequest: null });
  const max = Math.max(...COUNTS);
  const cams = simulatedCameras(max, "bench", "b");
  const sim = new CameraSimulator();
  await sim.start({ cameras: cams, discoveryInterface: false, dataDir: path.join(ROOT, ".test-data") });
  console.log(
    `simulator: ${max} cameras on 127.0.0.1:${sim.rtspPort}; ${SECONDS} s measured after ${WARMUP} s warm-up`,
  );
  return { work, redis, conn, qconn, cams, sim, log: createLogger({ level: "warn" }) };
}

async function stopInfra({ work, redis, conn, qconn, sim }) {
  await sim.stop();
  conn.disconnect();
  qconn.disconnect();
  await redis.stop();
  rmSync(work, { recursive: true, force: true });
}

/** The floor: a bare `ffmpeg -c copy -f hls` of a camera's main stream, no supervision. */
function bareHls({ sim, work }, c, i, tag) {
  return spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", sim.rtspUrl(c.key, "main")],
      ...[
        "-c",
        "copy",
        "-f",
        "hls",
        "-hls_time",
        "1",
        "-hls_list_size",
        "6",
        "-hls_flags",
        "delete_segments",
      ],
      path.join(mkdtempSync(path.join(work, `${tag}-${i}-`)), "index.m3u8"),
    ],
    { stdio: "ignore" },
  );
}

/** A bare keyframe-only JPEG sampler of a camera's sub-stream, output discarded. */
function bareSampler({ sim }, c) {
  return spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-skip_frame", "nokey", "-rtsp_transport", "tcp"],
      ...[
        "-i",
        sim.rtspUrl(c.key, "sub"),
        "-an",
        "-vf",
        "scale='min(640,iw)':-2",
        "-fps_mode",
        "passthrough",
      ],
      ...["-c:v", "mjpeg", "-q:v", "5", "-f", "image2pipe", "pipe:1"],
    ],
    { stdio: "ignore" },
  );
}

/** The floor rows for n cameras: bare HLS, then bare HLS plus a bare sampler per camera. */
async function measureFloor(infra, n, subset) {
  const rows = [];
  for (const [label, withSampler] of [
    ["floor", false],
    ["floor+samp", true],
  ]) {
    let procs = [];
    const start = async () => {
      procs = subset.flatMap((c, i) => [
        bareHls(infra, c, i, label),
        ...(withSampler ? [bareSampler(infra, c)] : []),
      ]);
    };
    const stop = async () => {
      for (const p of procs) p.kill("SIGTERM");
      await sleep(1500);
    };
    rows.push(await measure(label, n, start, stop, () => procs.map((p) => p.pid)));
  }
  return rows;
}

/** Our camera owners for n cameras, with analysis off (live only) or on (sampling → BullMQ). */
async function measureOurs(infra, n, subset, analyse) {
  const { sim, work, conn, qconn, log } = infra;
  let owners = [];
  const frames = new QueueFrameSink(conn, qconn, `bench${n}${analyse}`);
  const start = async () => {
    const mediaDir = mkdtempSync(path.join(work, "ours-"));
    const settings = { ...DEFAULT_INGEST_SETTINGS, mediaDir };
    // As the ingest service does: a few processes starting at a time.
    const gate = new StartGate(settings.concurrentStarts);
    owners = subset.map(
      (c, i) =>
        new CameraOwner(
          { id: i + 1, mainUrl: sim.rtspUrl(c.key, "main"), subUrl: sim.rtspUrl(c.key, "sub"), analyse },
          settings,
          frames,
          { publish: async () => {} },
          log,
          gate,
        ),
    );
    for (const o of owners) {
      o.start();
      await sleep(settings.staggerMs);
    }
  };
  const stop = async () => {
    await Promise.all(owners.map((o) => o.stop()));
    await frames.close();
  };
  const live = () =>
    owners.every((o) => o.live.current.phase === "live" && (o.sampler?.current.phase ?? "live") === "live");
  const row = await measure(
    analyse ? "ours-full" : "ours-live",
    n,
    start,
    stop,
    () => owners.flatMap((o) => o.pids()),
    live,
  );
  row.restarts = owners.reduce((a, o) => a + o.live.current.restarts + (o.sampler?.current.restarts ?? 0), 0);
  return row;
}

function printTable(rows) {
  console.log(
    "\ncameras  pipeline    CPU s/camera-min  % core/camera  MiB/camera  processes  restarts  ratio to floor",
  );
  for (const n of COUNTS) {
    const floor = rows.find((r) => r.n === n && r.label === "floor");
    const floorFull = rows.find((r) => r.n === n && r.label === "floor+samp");
    for (const r of rows.filter((x) => x.n === n)) {
      console.log(
        `${String(n).padStart(7)}  ${r.label.padEnd(10)}  ${r.cpuPerCamMin.toFixed(3).padStart(16)}  ${r.pctOfCorePerCam.toFixed(2).padStart(13)}  ${r.memPerCamMiB.toFixed(1).padStart(10)}  ${String(r.processes).padStart(9)}  ${String(r.restarts).padStart(8)}  ${(r.cpuPerCamMin / floor.cpuPerCamMin).toFixed(2).padStart(14)}x${r.label === "ours-full" ? `  (${(r.cpuPerCamMin / floorFull.cpuPerCamMin).toFixed(2)}x floor+samp)` : ""}`,
      );
    }
  }
}

async function main() {
  const infra = await startInfra();
  const rows = [];
  for (const n of COUNTS) {
    const subset = infra.cams.slice(0, n);
    rows.push(...(await measureFloor(infra, n, subset)));
    for (const analyse of [false, true]) rows.push(await measureOurs(infra, n, subset, analyse));
  }
  await stopInfra(infra);
  printTable(rows);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
