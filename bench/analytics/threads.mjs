#!/usr/bin/env node
// Where the worker path's CPU goes, per thread: the compliant workload of run.mjs (6 busy cameras, people
// checks that never alert) through FrameProcessor, once with one inference thread (the worker) and once with
// the same analysis in-process (createInlineAnalyser), taking turns frame by frame in one process. Each
// frame's cost is read per thread from /proc/self/task/*/schedstat (nanoseconds of CPU) and summed by kind:
// the main thread, the inference thread, V8's platform and libuv's threads ("node": concurrent GC marking,
// background compiles, sharp's calls), libvips' workers. See docs/performance.md (issue 15).
//
//   npm run build && node bench/analytics/threads.mjs [--frames 20] [--cameras 6] [--warmup 2]
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createAnalyticsRegistry,
  createInlineAnalyser,
  createThreadPool,
  FrameProcessor,
  vtestSampled,
} from "../../analytics/dist/index.js";
import { createLogger } from "../../services/core/dist/index.js";
import { benchConfig } from "./workload.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const FRAMES = arg("frames", 20);
const CAMERAS = arg("cameras", 6);
const WARMUP = arg("warmup", 2); // frames per camera not counted (JIT warm-up of both)
const logger = createLogger({ level: "silent" });
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

const cfg = benchConfig(path.join(ROOT, "models"), { compliant: true });
const pool = vtestSampled({ everyS: 2, width: 640, quality: 5 });
const frame = (c, k) => pool[(c * 7 + k) % pool.length];

const tasks = () => readdirSync("/proc/self/task");
const comm = (t) => {
  try {
    return readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
};
/** CPU nanoseconds of every thread of this process. */
const snapshot = () => {
  const m = new Map();
  for (const t of tasks()) {
    try {
      m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ")[0]));
    } catch {}
  }
  return m;
};

const inline = await createInlineAnalyser(cfg);
const before = new Set(tasks());
const threaded = await createThreadPool(cfg, 1);
const inference = new Set(tasks().filter((t) => !before.has(t)));
const main = String(process.pid);
const kind = (t) => {
  if (t === main) return "main thread";
  if (inference.has(t)) return "inference thread";
  const c = comm(t);
  return c === "node" ? "V8 platform and libuv threads" : c;
};
const variants = [
  { name: "worker (one inference thread)", analyser: threaded },
  { name: "in-process (same analysis inline)", analyser: inline },
].map((v) => ({
  ...v,
  p: new FrameProcessor({
    config: cfg,
    analyser: v.analyser,
    metrics: createAnalyticsRegistry().metrics,
    logger,
    publish: async () => {},
  }),
  byKind: {},
  total: 0,
  n: 0,
}));

const l0 = load();
const base = Date.now();
for (let k = 0; k < FRAMES; k++) {
  for (let c = 0; c < CAMERAS; c++) {
    const order = (k * CAMERAS + c) % 2 ? [...variants].reverse() : variants;
    for (const v of order) {
      const s0 = snapshot();
      await v.p.processFrame({
        cameraId: c + 1,
        capturedAt: new Date(base + k * 2000 + c).toISOString(),
        jpeg: frame(c, k),
        width: 640,
        height: 480,
      });
      const s1 = snapshot();
      if (k < WARMUP) continue;
      v.n++;
      for (const [t, ns] of s1) {
        const ms = (ns - (s0.get(t) ?? 0)) / 1e6;
        if (ms <= 0) continue;
        const key = kind(t);
        v.byKind[key] = (v.byKind[key] ?? 0) + ms;
        v.total += ms;
      }
    }
  }
}
await threaded.close();
await inline.close();

const kinds = [...new Set(variants.flatMap((v) => Object.keys(v.byKind)))].sort(
  (a, b) => (variants[0].byKind[b] ?? 0) - (variants[0].byKind[a] ?? 0),
);
process.stdout.write(
  `# bench/analytics/threads — ${new Date().toISOString()}, ${CAMERAS} cameras × ${FRAMES} frames (first ${WARMUP} of each not counted), load average ${l0} before, ${load()} after\n\n`,
);
process.stdout.write(`| CPU ms per frame | ${variants.map((v) => v.name).join(" | ")} |\n`);
process.stdout.write(`|---|${variants.map(() => "---").join("|")}|\n`);
for (const k of kinds)
  process.stdout.write(
    `| ${k} | ${variants.map((v) => ((v.byKind[k] ?? 0) / v.n).toFixed(1)).join(" | ")} |\n`,
  );
process.stdout.write(
  `| **all threads** | ${variants.map((v) => (v.total / v.n).toFixed(1)).join(" | ")} |\n`,
);
process.stdout.write(
  `\nworker ÷ in-process: ${(variants[0].total / variants[0].n / (variants[1].total / variants[1].n)).toFixed(2)}×\n`,
);
