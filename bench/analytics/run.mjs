#!/usr/bin/env node
// The analytics benchmark: per-stage cost of one frame, maximum throughput with 1 and 2 inference threads,
// and a paced run that offers the 42-camera pilot's load (one frame per camera every 2 s = 21 frames/s) —
// each against a naive baseline in the same run. See docs/performance.md (Analytics).
//
//   npm run build && node bench/analytics/run.mjs [--frames 10] [--cameras 6] [--paced 40]
//     [--only stages,cpu,max,paced] [--workloads compliant,mix,violating]
//     [--compare ROOT]   per-stage and CPU tables also for another checkout's build (e.g. the previous commit
//                        exported with `git archive` and built), frame by frame in turn
//     [--workers 1,2,3]  scale-out: that many worker processes (bench/analytics/worker.mjs: the platform's
//                        startAnalytics, --threads inference threads each, default 1) share one `frames` queue
//                        on a private redis-server; frames/s analysed and CPU per count, and the ratio to
//                        1 worker in the same run, and what the camera claims cost a lone worker per frame
//                        (alone: only these two sections, --only workers,claims; workloads default compliant)
//     [--repeat R]       the worker counts R times in rotation (1,2,3,1,2,3…): others' load on a shared
//                        machine swings between runs, the best run of each count is the steadier figure
//
// Frames are what the ingest hands over: vtest.avi (opencv-doc, 768×576) sampled and scaled by the
// sampler's own ffmpeg filter to 640×480, JPEG quality 5 (analytics/src/eval/footage.ts vtestSampled).
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { analyseFrame } from "../../analytics/dist/analysis/frame.pipeline.js";
import {
  createAnalyticsRegistry,
  createThreadPool,
  FrameProcessor,
  vtestSampled,
} from "../../analytics/dist/index.js";
import { encodeRuleState } from "../../analytics/dist/rules/rule-state.js";
import { workshopScene } from "../../analytics/dist/testing/scenes.js";
import { redisCameraClaims } from "../../analytics/dist/worker/camera-claims.js";
import { loadModelSet } from "../../analytics/dist/worker/model-set.js";
import { createLogger, createRedis, QUEUES, REDIS_KEYS } from "../../services/core/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";
import { benchConfig } from "./workload.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MODELS = path.join(ROOT, "models");
const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const FRAMES = Number(arg("frames", 10));
const CAMERAS = Number(arg("cameras", 6));
const PACED_S = Number(arg("paced", 40));
const WORKERS = arg("workers", undefined)
  ?.split(",")
  .map((n) => Number(n));
if (WORKERS?.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--workers: counts like 1,2,3");
const THREADS = Number(arg("threads", 1));
const REPEAT = Number(arg("repeat", 1));
const ONLY = new Set(String(arg("only", WORKERS ? "workers,claims" : "stages,cpu,max,paced")).split(","));
const COMPARE = arg("compare", undefined);
const PILOT_CAMERAS = 42;
const PERIOD_MS = 2000; // one analysed frame per camera every 2 s
const logger = createLogger({ level: "silent" });
const out = (s = "") => process.stdout.write(`${s}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

const pct = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : Number.NaN;
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : "—");

/** The benches' configuration (workload.mjs) for `naive` or ours, on a workload of WORKLOADS. */
const config = (naive, workload = "violating") =>
  benchConfig(MODELS, { naive, compliant: !!WORKLOADS[workload]?.compliant });

// Footage: one vtest frame every 2 s of video (40 frames) — a camera's consecutive frames are 2 s apart,
// as at the pilot's sampling rate; camera c starts at a different moment. Still cameras: one workshop
// scene (nobody in it), the same JPEG every time.
const t0Load = performance.now();
const pool = vtestSampled({ everyS: 2, width: 640, quality: 5 });
const still = await workshopScene({ width: 640, height: 480 });
const busyFrame = (camera, k) => pool[(camera * 7 + k) % pool.length];
const stillFrame = () => still;
const WORKLOADS = {
  compliant: {
    label:
      "all cameras busy, nobody violating (the worst case of a working shift: every frame runs every model)",
    frame: (c, k) => busyFrame(c, k),
    compliant: true,
  },
  mix: {
    label: "half busy and compliant, half still (a still workshop, nobody in it)",
    frame: (c, k) => (c % 2 === 0 ? busyFrame(c, k) : stillFrame()),
    compliant: true,
  },
  violating: {
    label: "all cameras busy, bare heads everywhere (each camera alerts, then its cooldown runs)",
    frame: (c, k) => busyFrame(c, k),
  },
};
const CHOSEN = String(
  arg("workloads", WORKERS && !arg("only") ? "compliant" : Object.keys(WORKLOADS).join(",")),
).split(",");
for (const w of CHOSEN) if (!WORKLOADS[w]) throw new Error(`unknown workload ${w}`);
const size = (() => {
  const j = pool[0];
  // SOF0/SOF2 marker: height, width
  for (let i = 2; i < j.length - 9; i++) {
    if (j[i] === 0xff && (j[i + 1] === 0xc0 || j[i + 1] === 0xc2))
      return `${j.readUInt16BE(i + 7)}×${j.readUInt16BE(i + 5)}`;
  }
  return "?";
})();
out(
  `# bench/analytics — ${new Date().toISOString()}, ${cpus().length} cores, load average ${load()} at start`,
);
out(
  `Footage: ${pool.length} vtest.avi frames, 2 s apart, ${size} JPEG q5 (the sampler's scale filter), read in ${f0(performance.now() - t0Load)} ms`,
);

// 1. Per stage, one thread, in-process, the full plan on busy frames. With --compare ROOT, another checkout's
// build (ROOT/analytics/dist, its own ROOT/models) runs the same frames, taking turns frame by frame.
if (ONLY.has("stages")) {
  const plan = {
    thumb: { width: 64, height: 48 },
    motion: { pixelThreshold: 25, areaThreshold: 0.005 },
    people: "always",
    hands: true,
    heads: true,
    minHandPx: 16,
    minHeadPx: 0,
    maxPersons: 6,
    custom: [],
    detail: { width: 160, height: 120 },
  };
  const variants = [{ name: "this build", analyse: analyseFrame, loaded: await loadModelSet(config(true)) }];
  if (COMPARE) {
    const root = path.resolve(COMPARE);
    const fp = await import(path.join(root, "analytics/dist/analysis/frame.pipeline.js"));
    const ms = await import(path.join(root, "analytics/dist/worker/model-set.js"));
    const cfg = { ...config(true), modelsDir: path.join(root, "models") };
    variants.push({
      name: `--compare ${COMPARE}`,
      analyse: fp.analyseFrame,
      loaded: await ms.loadModelSet(cfg),
    });
  }
  for (const v of variants) Object.assign(v, { stage: {}, total: [], persons: [], hands: [], heads: [] });
  for (const f of pool.slice(0, Math.max(FRAMES, 10))) {
    for (const v of variants) {
      const t = performance.now();
      const obs = await v.analyse(new Uint8Array(f), plan, v.loaded.models);
      v.total.push(performance.now() - t);
      for (const [k, ms] of Object.entries(obs.ms)) {
        v.stage[k] ??= [];
        v.stage[k].push(ms);
      }
      v.persons.push(obs.persons.length);
      v.hands.push(obs.hands.length);
      v.heads.push(obs.heads.length);
    }
  }
  for (const v of variants) await v.loaded.release();
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  const [a, b] = variants;
  out(
    `\n## Per stage, per frame (${size} busy frames, one thread, full plan: persons, keypoints, hands, heads, baseline thumbnail; ${a.total.length} frames)\n`,
  );
  for (const v of variants)
    out(
      `- ${v.name}: mean ${f1(mean(v.persons))} persons, ${f1(mean(v.hands))} hands, ${f1(mean(v.heads))} heads classified per frame`,
    );
  out("");
  if (b) {
    out(`| stage | p50 ms | p95 ms | ${b.name}: p50 ms | p95 ms |`);
    out("|---|---|---|---|---|");
  } else {
    out("| stage | p50 ms | p95 ms |");
    out("|---|---|---|");
  }
  const keys = [...new Set([...Object.keys(a.stage), ...Object.keys(b?.stage ?? {})])];
  const cells = (v, k) => (v.stage[k] ? `${f1(pct(v.stage[k], 50))} | ${f1(pct(v.stage[k], 95))}` : "— | —");
  for (const k of keys) out(`| ${k} | ${cells(a, k)}${b ? ` | ${cells(b, k)}` : ""} |`);
  const whole = (v) => `${f1(pct(v.total, 50))} | ${f1(pct(v.total, 95))}`;
  out(`| **whole analyseFrame** | ${whole(a)}${b ? ` | ${whole(b)}` : ""} |`);
  if (b) out(`\nWhole frame p50: this build ${(pct(b.total, 50) / pct(a.total, 50)).toFixed(2)}× faster.`);
}

// 2. CPU per analysed frame, as the worker runs it (FrameProcessor, rules engine, one inference thread), for
// this build and, with --compare ROOT, the other build: every camera's frames in capture order, the builds
// taking turns frame by frame, one frame in flight at a time; the process's CPU time (main thread, inference
// thread, libvips, ONNX Runtime) over each frame is that frame's cost. Taking turns, others' load on the
// shared cores weighs on both builds alike: read the ratio first.
async function cpuVariant(name, root) {
  const dist = path.join(root, "analytics/dist/index.js");
  const m =
    root === ROOT ? { createThreadPool, FrameProcessor, createAnalyticsRegistry } : await import(dist);
  return { name, root, m, byWorkload: {} };
}

async function cpuRun(variants, workload) {
  const runs = [];
  for (const v of variants) {
    const cfg = { ...config(false, workload), modelsDir: path.join(v.root, "models") };
    const analyser = await v.m.createThreadPool(cfg, 1);
    const { metrics } = v.m.createAnalyticsRegistry();
    const p = new v.m.FrameProcessor({ config: cfg, analyser, metrics, logger, publish: async () => {} });
    runs.push({ v, analyser, p, cpu: [], wall: [], alerts: 0 });
  }
  const base = Date.now(); // as maxRun: synthetic capture times, 2 s apart per camera
  for (let k = 0; k < FRAMES; k++) {
    for (let c = 0; c < CAMERAS; c++) {
      // Which build goes first alternates, so neither always follows the other's cache footprint.
      const order = (k * CAMERAS + c) % 2 ? [...runs].reverse() : runs;
      for (const r of order) {
        const c0 = process.cpuUsage();
        const t = performance.now();
        const res = await r.p.processFrame({
          cameraId: c + 1,
          capturedAt: new Date(base + k * PERIOD_MS + c).toISOString(),
          jpeg: WORKLOADS[workload].frame(c, k),
          width: 640,
          height: 480,
        });
        const d = process.cpuUsage(c0);
        r.wall.push(performance.now() - t);
        r.cpu.push((d.user + d.system) / 1000);
        r.alerts += res.alerts.length;
      }
    }
  }
  for (const r of runs) await r.analyser.close();
  return runs;
}

if (ONLY.has("cpu")) {
  const variants = [await cpuVariant("this build", ROOT)];
  if (COMPARE) variants.push(await cpuVariant(`--compare ${COMPARE}`, path.resolve(COMPARE)));
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  const l0 = load();
  const rows = [];
  for (const w of CHOSEN.filter((x) => x !== "violating")) rows.push([w, await cpuRun(variants, w)]);
  out(
    `\n## CPU per analysed frame, as the worker runs it (${CAMERAS} cameras × ${FRAMES} frames 2 s apart, one inference thread, ${variants.length > 1 ? "the builds taking turns frame by frame" : "one build"}; load average ${l0} before, ${load()} after)\n`,
  );
  out(
    "| workload | build | CPU ms per frame, mean | p50 | p95 | wall p50 ms | alerts | cameras per core at 0.5 fps |",
  );
  out("|---|---|---|---|---|---|---|---|");
  for (const [w, runs] of rows) {
    for (const r of runs) {
      const m = mean(r.cpu);
      out(
        `| ${w} | ${r.v.name} | ${f1(m)} | ${f1(pct(r.cpu, 50))} | ${f1(pct(r.cpu, 95))} | ${f0(pct(r.wall, 50))} | ${r.alerts} | ${f1(1000 / (m * 0.5))} |`,
      );
    }
  }
  out("");
  for (const [w, runs] of rows) {
    if (!runs[1]) continue;
    const ratio = mean(runs[0].cpu) / mean(runs[1].cpu);
    out(
      `- ${w}: this build ${ratio.toFixed(2)}× the CPU of ${runs[1].v.name} per frame (mean; p50 ${(pct(runs[0].cpu, 50) / pct(runs[1].cpu, 50)).toFixed(2)}×)`,
    );
  }
}

function processor(cfg, analyser, onAlert) {
  const { metrics } = createAnalyticsRegistry();
  return new FrameProcessor({ config: cfg, analyser, metrics, logger, publish: async (a) => onAlert(a) });
}

// 3. Maximum throughput: every camera feeds its frames back to back (closed loop).
async function maxRun(workload, threads, naive) {
  const cfg = config(naive, workload);
  const analyser = await createThreadPool(cfg, threads);
  let alerts = 0;
  const p = processor(cfg, analyser, () => void alerts++);
  const lat = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const base = Date.now();
  await Promise.all(
    Array.from({ length: CAMERAS }, async (_, c) => {
      for (let k = 0; k < FRAMES; k++) {
        const t = performance.now();
        await p.processFrame({
          cameraId: c + 1,
          capturedAt: new Date(base + k * PERIOD_MS).toISOString(),
          jpeg: WORKLOADS[workload].frame(c, k),
          width: 640,
          height: 480,
        });
        lat.push(performance.now() - t);
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await analyser.close();
  const n = CAMERAS * FRAMES;
  return {
    workload,
    threads,
    naive,
    fps: n / secs,
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    alerts,
    cpuMs: (cpu.user + cpu.system) / 1000 / n,
  };
}

if (ONLY.has("max")) {
  // maxFrameAgeS does not apply here: the capture times are synthetic, 2 s apart per camera.
  const rows = [];
  for (const workload of CHOSEN)
    for (const threads of [1, 2])
      for (const naive of [true, false]) rows.push(await maxRun(workload, threads, naive));
  out(`\n## Maximum throughput (${CAMERAS} cameras × ${FRAMES} frames, closed loop)\n`);
  out(
    "| workload | threads | pipeline | frames/s | per frame p50 ms | p95 ms | CPU ms per frame | vs naive (frames/s) |",
  );
  out("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const base = rows.find((x) => x.workload === r.workload && x.threads === r.threads && x.naive);
    out(
      `| ${r.workload} | ${r.threads} | ${r.naive ? "naive" : "ours"} | ${f1(r.fps)} | ${f0(r.p50)} | ${f0(r.p95)} | ${f0(r.cpuMs)} | ${(r.fps / base.fps).toFixed(2)}× |`,
    );
  }
  out(`\nLoad average after: ${load()}`);
}

// 4. Paced: 42 cameras each offer a frame every 2 s (phases spread evenly), for PACED_S seconds. Frames
// wait in a FIFO queue (as the BullMQ `frames` queue) and are taken by as many consumers as there are
// inference threads (the worker's `concurrency`); the processor drops a frame older than maxFrameAgeS
// (10 s, the default) when it is taken (newest wins). Latency: capture timestamp → result ready (alert
// published, when the frame raised one). After PACED_S the offer stops and the queue drains.
/** A FIFO of frames (as the BullMQ `frames` queue) whose consumers wait for the next one until it closes. */
function frameQueue() {
  const items = [];
  const waiters = [];
  let open = true;
  return {
    push(job) {
      items.push(job);
      while (waiters.length && items.length) waiters.shift()();
    },
    close() {
      open = false;
      for (const w of waiters.splice(0)) w();
    },
    /** The next frame; undefined once the queue is closed and empty. */
    async take() {
      for (;;) {
        if (items.length) return items.shift();
        if (!open) return undefined;
        await new Promise((r) => waiters.push(r));
      }
    },
  };
}

/**
 * The pilot's cameras, each offering a frame every PERIOD_MS (phases spread evenly) until `end`, and the
 * queue closed PACED_S after the start (+50 ms). `offered()`: frames offered so far; `stop()`: clears the timers.
 */
function offerPilotLoad(workload, queue, end) {
  let offered = 0;
  const timers = Array.from({ length: PILOT_CAMERAS }, (_, c) => {
    let k = 0;
    const offer = () => {
      if (Date.now() >= end) return;
      queue.push({
        cameraId: c + 1,
        capturedAt: new Date().toISOString(),
        jpeg: WORKLOADS[workload].frame(c, k++),
        width: 640,
        height: 480,
      });
      offered++;
    };
    const phase = Math.round((c * PERIOD_MS) / PILOT_CAMERAS);
    return setTimeout(() => {
      offer();
      timers[c] = setInterval(offer, PERIOD_MS);
    }, phase);
  });
  const closing = setTimeout(() => queue.close(), PACED_S * 1000 + 50);
  return {
    offered: () => offered,
    stop() {
      clearTimeout(closing);
      for (const t of timers) {
        clearTimeout(t);
        clearInterval(t);
      }
    },
  };
}

/** One consumer (as one of the worker's `concurrency`): takes frames until the queue is closed and empty. */
async function consumeFrames(p, queue, end, stats, lat) {
  for (;;) {
    const job = await queue.take();
    if (!job) return;
    try {
      const r = await p.processFrame(job);
      if (r.outcome === "analysed") {
        stats.analysed++;
        const done = Date.now();
        if (done <= end) stats.inWindow++;
        lat.push(done - Date.parse(job.capturedAt));
      } else stats[r.outcome]++;
    } catch {
      stats.failed++;
    }
  }
}

async function pacedRun(workload, naive, threads = 2) {
  const cfg = config(naive, workload);
  const analyser = await createThreadPool(cfg, threads);
  const alertLat = [];
  const p = processor(cfg, analyser, (a) => alertLat.push(Date.now() - Date.parse(a.capturedAt)));
  const queue = frameQueue();
  const stats = { analysed: 0, inWindow: 0, stale: 0, superseded: 0, failed: 0 };
  const lat = [];
  const cpu0 = process.cpuUsage();
  const end = Date.now() + PACED_S * 1000;
  const pilot = offerPilotLoad(workload, queue, end);
  await Promise.all(Array.from({ length: threads }, () => consumeFrames(p, queue, end, stats, lat)));
  const cpu = process.cpuUsage(cpu0);
  pilot.stop();
  await analyser.close();
  return {
    workload,
    naive,
    threads,
    offered: pilot.offered(),
    ...stats,
    fps: stats.inWindow / PACED_S,
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    alerts: alertLat.length,
    alertP95: pct(alertLat, 95),
    cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, stats.analysed),
  };
}

if (ONLY.has("paced")) {
  const rows = [];
  for (const workload of CHOSEN)
    for (const naive of [true, false]) rows.push(await pacedRun(workload, naive));
  out(
    `\n## Paced: the pilot's load (${PILOT_CAMERAS} cameras × 1 frame / 2 s = 21 frames/s offered for ${PACED_S} s, 2 inference threads, newest wins at 10 s)\n`,
  );
  out(
    "| workload | pipeline | offered | analysed in window (frames/s) | dropped stale | frame-to-result p50 ms | p95 ms | alerts | frame-to-alert p95 ms | CPU ms per analysed frame |",
  );
  out("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    out(
      `| ${r.workload} | ${r.naive ? "naive" : "ours"} | ${r.offered} | ${r.inWindow} (${f1(r.fps)}) | ${r.stale + r.superseded} | ${f0(r.p50)} | ${f0(r.p95)} | ${r.alerts} | ${f0(r.alertP95)} | ${f0(r.cpuMs)} |`,
    );
  }
  for (const r of rows.filter((x) => !x.naive)) {
    const ok = r.fps >= 20.5 && r.stale + r.superseded === 0 && r.p95 <= 2000;
    out(
      `- ${r.workload} (${WORKLOADS[r.workload].label}), ours: ${f1(r.fps)} of 21 frames/s, ${r.stale + r.superseded} dropped, p95 ${f0(r.p95)} ms → pilot goal ${ok ? "MET" : "NOT met"}`,
    );
  }
  if (rows.some((r) => r.failed)) out(`Failed frames: ${rows.map((r) => r.failed).join(", ")}`);
  out(
    "\nCPU ms per analysed frame counts every thread of this process (main, inference threads, libvips): 21 frames/s needs 21 × that per second, against 2000 ms per second on 2 idle cores.",
  );
  for (const r of rows.filter((x) => !x.naive))
    out(`- ${r.workload}, ours: ${f0(r.cpuMs)} ms × 21 = ${((r.cpuMs * 21) / 1000).toFixed(2)} cores`);
  out(`\nLoad average after: ${load()} on ${cpus().length} cores (others' work inflates every figure).`);
}

/** Commands Redis has run so far (INFO commandstats, all commands). */
async function redisCalls(conn) {
  const text = await conn.info("commandstats");
  let all = 0;
  for (const m of text.matchAll(/^cmdstat_[a-z|]+:calls=(\d+)/gm)) all += Number(m[1]);
  return all;
}

// 5. Scale-out: N worker processes (the platform's startAnalytics: BullMQ consumer, THREADS inference threads,
// camera claims and rule state in Redis) share one `frames` queue on a private redis-server. The queue is
// filled while paused (CAMERAS × FRAMES frames, camera-interleaved, synthetic capture times 2 s apart per
// camera, maxFrameAgeS out of the way), resumed once every worker has loaded its models, and timed until
// every job is done. CPU: the workers' processes (all their threads), not the producer's or Redis's.
/** Queues CAMERAS × FRAMES frames (camera-interleaved), their blobs as the ingest stores them (TTL for the slowest run). */
async function fillQueue(conn, queue, workload) {
  const base = Date.now();
  for (let k = 0; k < FRAMES; k++) {
    for (let c = 0; c < CAMERAS; c++) {
      const frameKey = REDIS_KEYS.blob("frame", randomUUID());
      await conn.set(frameKey, WORKLOADS[workload].frame(c, k), "EX", 3600);
      const capturedAt = new Date(base + k * PERIOD_MS + c).toISOString();
      await queue.add("frame", { cameraId: c + 1, capturedAt, width: 640, height: 480, frameKey });
    }
  }
}

/** Counts the jobs' outcomes from the queue's events; `done` resolves when `total` are finished. */
function countOutcomes(events, total) {
  const outcomes = { analysed: 0, superseded: 0, stale: 0, failed: 0 };
  let finished = 0;
  let resolve;
  const done = new Promise((r) => {
    resolve = r;
  });
  const count = (o) => {
    outcomes[o] = (outcomes[o] ?? 0) + 1;
    if (++finished === total) resolve();
  };
  events.on("completed", ({ returnvalue }) => {
    const v = typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue;
    count(v?.outcome ?? "analysed");
  });
  events.on("failed", () => count("failed"));
  return { outcomes, done };
}

/** The worker processes, driven over IPC (bench/analytics/worker.mjs). */
function spawnWorkers(n, arg) {
  const children = Array.from({ length: n }, () =>
    fork(path.join(ROOT, "bench/analytics/worker.mjs"), [JSON.stringify(arg)]),
  );
  const next = (child, type) =>
    new Promise((resolve, reject) => {
      const onMsg = (m) => {
        if (m?.type !== type) return;
        child.off("message", onMsg);
        resolve(m);
      };
      child.on("message", onMsg);
      child.once("exit", (code) => reject(new Error(`worker exited (${code}) before '${type}'`)));
    });
  return {
    ready: () => Promise.all(children.map((ch) => next(ch, "ready"))),
    /** The workers' CPU time so far (ms, every thread of every worker). */
    async cpu() {
      const all = await Promise.all(
        children.map((ch) => {
          const answer = next(ch, "cpu");
          ch.send("cpu");
          return answer;
        }),
      );
      return all.reduce((a, m) => a + m.ms, 0);
    },
    stop: () =>
      Promise.all(
        children.map(
          (ch) =>
            new Promise((r) => {
              if (ch.exitCode !== null) return r();
              const t = setTimeout(() => ch.kill("SIGKILL"), 10_000);
              ch.once("exit", () => {
                clearTimeout(t);
                r();
              });
              ch.send("stop");
            }),
        ),
      ),
  };
}

async function workersRun(redisUrl, workload, n) {
  const prefix = `bench-${n}-${randomUUID().slice(0, 8)}`;
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.frames, { connection: conn, prefix });
  const eventsConn = conn.duplicate();
  const events = new QueueEvents(QUEUES.frames, { connection: eventsConn, prefix });
  await events.waitUntilReady();
  await queue.pause();
  const total = CAMERAS * FRAMES;
  await fillQueue(conn, queue, workload);
  const { outcomes, done } = countOutcomes(events, total);
  const config_ = { ...config(false, workload), maxFrameAgeS: 3600, concurrency: THREADS };
  const workers = spawnWorkers(n, { redisUrl, prefix, config: config_ });
  try {
    await workers.ready();
    const cpu0 = await workers.cpu();
    const calls0 = await redisCalls(conn);
    const t0 = performance.now();
    await queue.resume();
    await done;
    const secs = (performance.now() - t0) / 1000;
    const cpuMs = (await workers.cpu()) - cpu0;
    // Every command on the server during the run (workers, the producer's event stream), per frame.
    const calls = (await redisCalls(conn)) - calls0;
    return { n, workload, total, ...outcomes, secs, fps: outcomes.analysed / secs, cpuMs, calls };
  } finally {
    await workers.stop();
    await events.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    conn.disconnect();
    eventsConn.disconnect();
  }
}

if (ONLY.has("workers")) {
  const counts = WORKERS ?? [1, 2];
  const dir = mkdtempSync(path.join(tmpdir(), "mingfang-bench-redis-"));
  const redis = await startPrivateRedis({ dir });
  const l0 = load();
  const rows = [];
  try {
    for (const workload of CHOSEN)
      for (let rep = 0; rep < REPEAT; rep++)
        for (const n of counts) rows.push({ ...(await workersRun(redis.url, workload, n)), load: load() });
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  out(
    `\n## Scale-out: worker processes sharing one \`frames\` queue (${CAMERAS} cameras × ${FRAMES} frames, ${THREADS} inference thread(s) per worker, private redis-server; ${cpus().length} cores, load average ${l0} before, ${load()} after)\n`,
  );
  out(
    "| workload | workers | frames | analysed | superseded | wall s | frames/s analysed | vs 1 worker | CPU ms per analysed frame | cores busy (workers' CPU / wall) | Redis commands per frame | load average after |",
  );
  out("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const [i, r] of rows.entries()) {
    // The ratio against the 1-worker run of the same rotation.
    const one = rows.slice(0, i + 1).findLast((x) => x.workload === r.workload && x.n === 1);
    out(
      `| ${r.workload} | ${r.n} | ${r.total} | ${r.analysed} | ${r.superseded + r.stale} | ${f1(r.secs)} | ${f1(r.fps)} | ${one ? `${(r.fps / one.fps).toFixed(2)}×` : "—"} | ${f0(r.cpuMs / Math.max(1, r.analysed))} | ${(r.cpuMs / 1000 / r.secs).toFixed(2)} | ${f1(r.calls / r.total)} | ${r.load} |`,
    );
  }
  if (rows.some((r) => r.failed)) out(`Failed frames: ${rows.map((r) => `${r.n}: ${r.failed}`).join(", ")}`);
  if (REPEAT > 1) {
    out("\nBest run of each count (the least disturbed by others' load):\n");
    for (const workload of CHOSEN) {
      const best = (n) =>
        Math.max(...rows.filter((r) => r.workload === workload && r.n === n).map((r) => r.fps));
      out(
        `- ${workload}: ${counts.map((n) => `${n} worker(s) ${f1(best(n))} frames/s (${(best(n) / best(counts[0])).toFixed(2)}×)`).join(", ")}`,
      );
    }
  }
  out(
    "\nRedis commands per frame: every command the server ran during the timed part (BullMQ's own scripts and polling, the blobs, the producer's event stream, the camera claims: claim + release per analysed frame, one more claim per poll while a camera is busy), over the frames queued.",
  );
}

// 6. What the camera claims cost a lone worker: claim + release (two Lua scripts, two round trips) per frame
// with a typical rule state (two k-of-n windows, a cooldown, the 64×48 motion thumbnail), 2000 frames in
// a row on a private redis-server, after 200 to warm up; wall time and this process's CPU per frame.
if (ONLY.has("claims")) {
  const dir = mkdtempSync(path.join(tmpdir(), "mingfang-bench-redis-"));
  const redis = await startPrivateRedis({ dir });
  const conn = createRedis(redis.url);
  try {
    const claims = redisCameraClaims(conn);
    const state = encodeRuleState({
      persistence: {
        no_hat: { k: 2, n: 3, window: [true, false, true] },
        no_gloves: { k: 2, n: 3, window: [false, false, true] },
      },
      cooldown: { no_hat: Date.now() },
      lastUncleanMs: Date.now(),
      prevThumb: new Uint8Array(64 * 48).fill(7),
      tamper: { lastMs: 1, lastLearnMs: 1, lastKind: null },
    });
    let seq;
    let at = Date.now();
    const frames = async (n) => {
      for (let i = 0; i < n; i++) {
        const token = claims.token();
        const c = await claims.claim(1, at++, token, seq);
        if (c.outcome !== "claimed") throw new Error(`claim: ${c.outcome}`);
        seq = await claims.release(1, token, state);
      }
    };
    await frames(200);
    const N = 2000;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await frames(N);
    const wall = (performance.now() - t0) / N;
    const cpu = process.cpuUsage(c0);
    out(
      `\n## Camera claims on a lone worker (claim + release per frame, ${N} frames, rule state ${state.length} bytes, private redis-server; load average ${load()})\n`,
    );
    out(
      `- ${wall.toFixed(3)} ms wall per frame, ${((cpu.user + cpu.system) / 1000 / N).toFixed(3)} ms of the worker's CPU; 2 round trips`,
    );
  } finally {
    conn.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
