#!/usr/bin/env node
/**
 * Checks the demo's scenes (ingest/src/simulator/demo-scenes.ts) with the real analytics — the worker's
 * FrameProcessor with the default models, each scene's zones, schedule and overrides as the platform
 * reads them from the camera row — on the frames the ingest would send: the sub-stream's keyframes
 * (one a second), one every `--every` seconds (the demo analyses one frame per 2 s), JPEG quality 5, at
 * most 640 px wide. Offline and faster than real time (no RTSP, no queue); the end-to-end test
 * (test/e2e/demo-scenes.e2e.test.ts) runs the real chain.
 *
 *   npm run build && node deploy/demo/check-scenes.mjs [--data-dir DIR] [--loops N] [--every S]
 *                                                    [--offsets K] [--scenes a,b] [--area-scale F]
 *                                                    [--tamper-interval S]
 *
 * For each scene and each of K start offsets in its clip (or the scene's own start second): the seconds
 * until each check first fires, and every alert (cooldowns set to 0, so every violation counts). A
 * violation scene passes when its checks fire within the run from every offset; a compliant scene when
 * nothing fires. `--area-scale 0.5` halves the unclean-area threshold: a compliant scene that stays
 * silent at half the threshold has a margin. `--tamper-interval 2` runs the tamper check every 2 s on every
 * scene (the default is every 30 s: few looks in a short run). Exit code 1 when a scene does not behave.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createAnalyticsRegistry,
  createInlineAnalyser,
  DEFAULT_MODELS_DIR,
  FrameProcessor,
  parseAnalyticsConfig,
  rulesFromCameraRow,
} from "@mingfang/analytics";
import { createLogger } from "@mingfang/core";
import { CLIP_RECIPES, DEMO_SCENES, ensureClips, progressBar } from "@mingfang/ingest";

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const dataDir = path.resolve(option("--data-dir", "data"));
const loops = Number(option("--loops", "3"));
const every = Number(option("--every", "2"));
const offsets = Number(option("--offsets", "3"));
const areaScale = Number(option("--area-scale", "1"));
const tamperInterval = option("--tamper-interval", undefined);
const only = option("--scenes", "")?.split(",").filter(Boolean) ?? [];
const scenes = DEMO_SCENES.filter((s) => !only.length || only.includes(s.clip));

const bar = await progressBar("encoding clips");
const clips = await ensureClips({ dataDir, onProgress: bar.onProgress });
bar.stop();

/** The sub-stream's keyframes (one per second), as the sampler sends them. */
function keyframes(file) {
  const dir = mkdtempSync(path.join(tmpdir(), "mingfang-scene-"));
  try {
    execFileSync("ffmpeg", [
      ...["-hide_banner", "-loglevel", "error", "-skip_frame", "nokey", "-i", file],
      ...["-vf", "scale='min(640,iw)':-2", "-fps_mode", "passthrough", "-q:v", "5"],
      path.join(dir, "%05d.jpg"),
    ]);
    return readdirSync(dir)
      .sort()
      .map((f) => readFileSync(path.join(dir, f)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const config = parseAnalyticsConfig({ modelsDir: DEFAULT_MODELS_DIR });
const analyser = await createInlineAnalyser(config);
const logger = createLogger({ level: "silent" });
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
process.stdout.write(`load average ${load()}; ${loops} loops, a frame every ${every} s\n`);

let failed = false;
const rows = [];
for (const scene of scenes) {
  const clip = clips.clips.find((c) => c.name === scene.clip);
  const recipe = CLIP_RECIPES.find((r) => r.name === scene.clip);
  if (!clip || !recipe) throw new Error(`scene ${scene.clip}: no such clip`);
  const frames = keyframes(clip.sub.path);
  const starts =
    scene.startSecond !== undefined
      ? [scene.startSecond]
      : // Spread over the clip, odd and even seconds (the sampler's phase is arbitrary).
        Array.from(
          { length: offsets },
          (_, i) => (Math.floor((i * clip.duration) / offsets) + i) % clip.duration,
        );
  // Every alert counts: no cooldowns. The unclean-area threshold scaled by --area-scale.
  const row = rulesFromCameraRow({
    zones: scene.zones,
    schedule: scene.schedule,
    analytics: scene.analytics,
  });
  const checks = { ...(row.checks ?? {}) };
  for (const c of ["no_hat", "no_gloves", "no_mask", "unclean_area", "tamper"])
    checks[c] = { ...(checks[c] ?? {}), cooldownS: 0 };
  const area = parseAnalyticsConfig({}).defaults.checks.unclean_area.baseline.areaThreshold;
  checks.unclean_area = {
    ...checks.unclean_area,
    baseline: { ...(checks.unclean_area.baseline ?? {}), areaThreshold: area * areaScale },
  };
  if (tamperInterval !== undefined) checks.tamper = { ...checks.tamper, intervalS: Number(tamperInterval) };
  const rules = { ...row, checks };
  for (const start of starts) {
    let clock = Date.parse("2026-12-01T02:00:00Z"); // 10:00 in Asia/Shanghai
    const alerts = [];
    const processor = new FrameProcessor({
      config,
      analyser,
      metrics: createAnalyticsRegistry().metrics,
      logger,
      cameraRules: async () => rules,
      publish: async (a) => {
        alerts.push(a);
      },
      now: () => clock,
    });
    const total = loops * clip.duration;
    const first = {};
    const counts = {};
    const t0 = performance.now();
    let n = 0;
    for (let t = 0; t < total; t += every) {
      const jpeg = frames[(start + t) % frames.length];
      clock += every * 1000;
      const before = alerts.length;
      await processor.processFrame({
        cameraId: 1,
        capturedAt: new Date(clock - 50).toISOString(),
        jpeg,
        width: 640,
        height: 480,
      });
      n++;
      for (const a of alerts.slice(before)) {
        counts[a.type] = (counts[a.type] ?? 0) + 1;
        first[a.type] ??= t;
      }
    }
    const ms = (performance.now() - t0) / n;
    const missing = scene.fires.filter((c) => first[c] === undefined);
    const unexpected = Object.keys(counts).filter((c) => !scene.fires.includes(c));
    const ok = missing.length === 0 && unexpected.length === 0;
    if (!ok) failed = true;
    const r = {
      scene: scene.clip,
      start,
      expect: scene.fires.join("+") || "nothing",
      first: Object.entries(first)
        .map(([k, v]) => `${k}@${v}s`)
        .join(" "),
      alerts: Object.entries(counts)
        .map(([k, v]) => `${k}×${v}`)
        .join(" "),
      frames: n,
      msPerFrame: Math.round(ms),
      ok,
    };
    rows.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
await analyser.close();
process.stdout.write(`\nload average ${load()}\n`);
process.stdout.write(
  "| scene | start s | should fire | first alert (s after start) | alerts (no cooldown) | frames | ms/frame | ok |\n|---|---|---|---|---|---|---|---|\n",
);
for (const r of rows)
  process.stdout.write(
    `| ${r.scene} | ${r.start} | ${r.expect} | ${r.first || "–"} | ${r.alerts || "none"} | ${r.frames} | ${r.msPerFrame} | ${r.ok ? "yes" : "NO"} |\n`,
  );
process.exit(failed ? 1 : 0);
