#!/usr/bin/env node
/**
 * bench/masks: what a privacy-masked public stream costs, per camera, against the copy-only ingest of the
 * same camera, measured in one run (CPU of each ffmpeg process from /proc, as a percentage of one core):
 *
 *   copy        our camera owner without masks: the private HLS, `-c copy` (the baseline)
 *   ours        our camera owner with one mask: the copy, plus the masked transcode (a second process that
 *               reads the private HLS from disk: split → boxblur → alphamerge(mask) → overlay → x264 ultrafast)
 *   one-proc    the rejected design: one ffmpeg per camera, RTSP in, `-c copy` HLS and the masked HLS as
 *               two outputs of one filter_complex (one camera session, but a failing transcode kills the
 *               private stream too)
 *   ours-hd     the masked transcode alone on a 1920×1080 25 fps private HLS (what a real camera's main
 *               stream is; the simulator's is 768×576 10 fps)
 *
 *   npm run build && node bench/masks/run.mjs [--seconds 30] [--no-hd]
 *
 * The simulator and the 1080p source generator are the cameras: their CPU is not counted.
 */
import { execSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildMaskedArgs,
  CameraOwner,
  CameraSimulator,
  DEFAULT_INGEST_SETTINGS,
  encodePgm,
  rasteriseMask,
  simulatedCameras,
} from "../../ingest/dist/index.js";
import { createLogger } from "../../services/core/dist/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const SECONDS = Number(arg("--seconds", "30"));
const HD = !process.argv.includes("--no-hd");
const WARMUP_MS = 8000;
const TICK = Number(execSync("getconf CLK_TCK").toString()) || 100;
const MASK = [
  [
    [0.25, 0.3],
    [0.75, 0.3],
    [0.75, 0.8],
    [0.25, 0.8],
  ],
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return Number.NaN;
  }
}

/** % of one core used by each named pid over SECONDS (pids read after the warm-up). */
async function measure(pidsOf) {
  await sleep(WARMUP_MS);
  const pids = pidsOf();
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuOf(p)]));
  const t0 = Date.now();
  await sleep(SECONDS * 1000);
  const elapsed = (Date.now() - t0) / 1000;
  const now = pidsOf();
  const out = {};
  for (const [k, p] of Object.entries(pids)) {
    // A process that restarted meanwhile makes the figure meaningless: say so.
    out[k] = now[k] === p ? ((cpuOf(p) - before[k]) / elapsed) * 100 : Number.NaN;
  }
  return out;
}

async function until(what, fn, ms = 90_000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const playlistReady = (dir) =>
  existsSync(path.join(dir, "index.m3u8")) &&
  readFileSync(path.join(dir, "index.m3u8"), "utf8").split("#EXTINF").length > 2;

function settings(mediaDir) {
  return { ...DEFAULT_INGEST_SETTINGS, mediaDir, stallSeconds: 15 };
}

async function ownerRun(sim, cam, work, masks) {
  const mediaDir = mkdtempSync(path.join(work, "media-"));
  const frames = { push: async () => {}, close: async () => {} };
  const status = { publish: async () => {} };
  const spec = { id: 1, mainUrl: sim.rtspUrl(cam.key, "main"), subUrl: null, analyse: false };
  const o = new CameraOwner(
    masks ? { ...spec, privacyMasks: masks } : spec,
    settings(mediaDir),
    frames,
    status,
    createLogger({ level: "warn" }),
  );
  o.start();
  const dir = path.join(mediaDir, "hls", "1");
  await until("the private HLS", () => playlistReady(dir));
  if (masks) await until("the masked HLS", () => playlistReady(path.join(dir, "public")));
  const r = await measure(() => ({
    copy: o.live.pid,
    ...(masks ? { masked: o.maskedOutput?.pid } : {}),
  }));
  await o.stop({ removeMedia: true });
  return r;
}

/** The rejected design: one process, RTSP in, two outputs (copy and masked transcode). */
async function oneProcessRun(sim, cam, work) {
  const dir = mkdtempSync(path.join(work, "oneproc-"));
  mkdirSync(path.join(dir, "public"));
  const w = 768;
  const h = 576;
  writeFileSync(path.join(dir, "mask.pgm"), encodePgm(rasteriseMask(MASK, w, h, 6), w, h));
  const masked = buildMaskedArgs({
    inputPlaylist: "unused",
    maskFile: path.join(dir, "mask.pgm"),
    width: w,
    height: h,
    fps: 10,
    hlsDir: path.join(dir, "public"),
    segmentSeconds: 1,
    listSize: 6,
  });
  const graph = masked[masked.indexOf("-filter_complex") + 1];
  const out = masked.slice(masked.indexOf("-map"));
  const args = [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp"],
    ...["-i", sim.rtspUrl(cam.key, "main"), "-i", path.join(dir, "mask.pgm")],
    ...["-filter_complex", graph],
    ...["-map", "0:v:0", "-c:v", "copy", "-an", "-f", "hls", "-hls_time", "1", "-hls_list_size", "6"],
    ...["-hls_flags", "delete_segments", path.join(dir, "index.m3u8")],
    ...out,
  ];
  const p = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "inherit"] });
  await until("the one-process outputs", () => playlistReady(dir) && playlistReady(path.join(dir, "public")));
  const r = await measure(() => ({ both: p.pid }));
  p.kill("SIGTERM");
  return r;
}

/** The masked transcode alone on a 1080p25 private HLS made by a generator (not counted). */
async function hdRun(work) {
  const dir = mkdtempSync(path.join(work, "hd-"));
  const gen = spawn(
    "ffmpeg",
    [
      ...[
        "-hide_banner",
        "-loglevel",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1920x1080:rate=25",
      ],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "hls", "-hls_time", "1"],
      ...["-hls_list_size", "6", "-hls_flags", "delete_segments+temp_file", path.join(dir, "index.m3u8")],
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await until("the 1080p private HLS", () => playlistReady(dir));
  mkdirSync(path.join(dir, "public"));
  writeFileSync(path.join(dir, "mask.pgm"), encodePgm(rasteriseMask(MASK, 1920, 1080, 11), 1920, 1080));
  const args = buildMaskedArgs({
    inputPlaylist: path.join(dir, "index.m3u8"),
    maskFile: path.join(dir, "mask.pgm"),
    width: 1920,
    height: 1080,
    fps: 25,
    hlsDir: path.join(dir, "public"),
    segmentSeconds: 1,
    listSize: 6,
  });
  const p = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "inherit"] });
  await until("the 1080p masked HLS", () => playlistReady(path.join(dir, "public")));
  const r = await measure(() => ({ masked: p.pid }));
  p.kill("SIGTERM");
  gen.kill("SIGTERM");
  return r;
}

const fmt = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} %` : "restarted");

const work = mkdtempSync(path.join(tmpdir(), "mf-bench-masks-"));
const sim = new CameraSimulator();
const cams = simulatedCameras(1, "bench-masks", "m");
await sim.start({ cameras: cams, discoveryInterface: false, dataDir: path.join(ROOT, ".test-data") });
try {
  console.log(
    `one simulated camera (768×576, 10 fps, H.264); ${SECONDS} s measured after ${WARMUP_MS / 1000} s`,
  );
  const copy = await ownerRun(sim, cams[0], work, null);
  const ours = await ownerRun(sim, cams[0], work, MASK);
  const one = await oneProcessRun(sim, cams[0], work);
  const hd = HD ? await hdRun(work) : null;
  const rows = [
    ["copy (baseline)", "private copy", copy.copy],
    ["ours", "private copy", ours.copy],
    ["ours", "masked transcode", ours.masked],
    ["one-proc (rejected)", "copy + transcode", one.both],
    ...(hd ? [["ours-hd 1920×1080 25 fps", "masked transcode", hd.masked]] : []),
  ];
  console.log("\n| run | process | CPU (% of one core) |\n|---|---|---|");
  for (const [run, what, v] of rows) console.log(`| ${run} | ${what} | ${fmt(v)} |`);
  const oursTotal = ours.copy + ours.masked;
  console.log(
    `\nmasked camera (copy + transcode) / copy-only camera: ${(oursTotal / copy.copy).toFixed(1)}×`,
  );
  console.log(`masked transcode alone / copy-only camera: ${(ours.masked / copy.copy).toFixed(1)}×`);
  console.log(`one-proc / ours (copy + transcode): ${(one.both / oursTotal).toFixed(2)}×`);
  console.log(`masked public cameras per core (768×576 10 fps): ${Math.floor(100 / ours.masked)}`);
  if (hd) console.log(`masked public cameras per core (1080p 25 fps): ${(100 / hd.masked).toFixed(1)}`);
} finally {
  await sim.stop();
  rmSync(work, { recursive: true, force: true });
}
