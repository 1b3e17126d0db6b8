/**
 * The tamper check's evaluation set (`npm run eval`): per scene, a reference learned from clean frames,
 * then cases of three frames each — clean under other light (×0.6 … ×1.5, negatives), covered (dark,
 * a light cloth, 90 % of the lens), moved (the view turned), defocused (blurred) — through the frame
 * processor (the tamper check alone, 2 of 3 looks to fire). Scenes: vtest.avi (real footage, people
 * walking), the simulator's drawn workshop (its `workshop-clean` clip, light drift and noise, when the
 * clips are cached) and the synthetic workshop of testing/scenes.ts.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { createLogger } from "@mingfang/core";
import sharp from "sharp";
import { parseAnalyticsConfig } from "../config.schema.js";
import { workshopScene } from "../testing/scenes.js";
import { createInlineAnalyser } from "../worker/analyser.js";
import { FrameProcessor } from "../worker/analytics.worker.js";
import { createAnalyticsRegistry } from "../worker/metrics.js";
import { frameAt, VTEST, vtestFrame } from "./footage.js";
import type { EvalCase } from "./stats.js";

export const TAMPER_TYPES = ["camera_covered", "camera_moved", "camera_defocused"] as const;
type Kind = (typeof TAMPER_TYPES)[number];

type Variant = { name: string; kind: Kind | null; make: (jpeg: Buffer) => Promise<Buffer> };

const linear = (b: number) => (j: Buffer) => sharp(j).linear(b, 0).jpeg({ quality: 85 }).toBuffer();

async function size(j: Buffer): Promise<{ w: number; h: number }> {
  const m = await sharp(j).metadata();
  return { w: m.width ?? 0, h: m.height ?? 0 };
}

/** A nearly uniform picture of the frame's size: the colour plus ±`amp` of deterministic noise. */
const flat = (rgb: [number, number, number], amp: number) => async (j: Buffer) => {
  const { w, h } = await size(j);
  const px = Buffer.alloc(w * h * 3);
  let seed = 12345;
  for (let i = 0; i < px.length; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const n = ((seed / 2 ** 32) * 2 - 1) * amp;
    px[i] = Math.max(0, Math.min(255, Math.round((rgb[i % 3] as number) + n)));
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
};

/** A hand over the left `part` of the lens: a dark skin colour with ±`amp` of noise, the rest as it was. */
const handOver = (part: number, amp: number) => async (j: Buffer) => {
  const { w, h } = await size(j);
  const patch = await sharp({
    create: { width: Math.round(w * part), height: h, channels: 3, background: "#000" },
  })
    .jpeg()
    .toBuffer();
  const hand = await flat([52, 42, 36], amp)(patch);
  return sharp(j)
    .composite([{ input: hand, left: 0, top: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
};

const shifted =
  (fx: number, fy: number, keep = 0.78) =>
  async (j: Buffer) => {
    const { w, h } = await size(j);
    const cw = Math.round(w * keep);
    const ch = Math.round(h * keep);
    return sharp(j)
      .extract({ left: Math.round((w - cw) * fx), top: Math.round((h - ch) * fy), width: cw, height: ch })
      .resize(w, h)
      .jpeg({ quality: 85 })
      .toBuffer();
  };

const VARIANTS: Variant[] = [
  ...[1, 0.6, 0.8, 1.25, 1.5].map((b) => ({ name: `clean, light ×${b}`, kind: null, make: linear(b) })),
  { name: "covered: dark (a hand)", kind: "camera_covered", make: flat([40, 34, 30], 4) },
  { name: "covered: a light cloth", kind: "camera_covered", make: flat([196, 196, 190], 3) },
  { name: "covered: 90 % of the lens", kind: "camera_covered", make: handOver(0.9, 8) },
  { name: "moved: turned right and down", kind: "camera_moved", make: shifted(1, 0.55) },
  { name: "moved: turned left and down", kind: "camera_moved", make: shifted(0, 1) },
  {
    name: "moved: turned right, light ×0.8",
    kind: "camera_moved",
    make: async (j) => linear(0.8)(await shifted(1, 0.2)(j)),
  },
  // Harder: a small turn, a slight blur, half the lens covered.
  { name: "moved: turned 8 % right (small)", kind: "camera_moved", make: shifted(1, 0.5, 0.92) },
  {
    name: "defocused: blur σ 1.5 px (slight)",
    kind: "camera_defocused",
    make: (j) => sharp(j).blur(1.5).jpeg({ quality: 85 }).toBuffer(),
  },
  { name: "covered: half the lens", kind: "camera_covered", make: handOver(0.5, 3) },
  {
    name: "defocused: blur σ 3 px",
    kind: "camera_defocused",
    make: (j) => sharp(j).blur(3).jpeg({ quality: 85 }).toBuffer(),
  },
  {
    name: "defocused: blur σ 5 px",
    kind: "camera_defocused",
    make: (j) => sharp(j).blur(5).jpeg({ quality: 85 }).toBuffer(),
  },
  {
    name: "defocused: blur σ 4 px, light ×1.3",
    kind: "camera_defocused",
    make: (j) => sharp(j).blur(4).linear(1.3, 0).jpeg({ quality: 85 }).toBuffer(),
  },
];

/** The newest cached `workshop-clean` sub-stream clip of the simulator (tests' or demo's cache), if any. */
function drawnWorkshopClip(root: string): string | undefined {
  const found: string[] = [];
  for (const base of [".test-data/clips", "data/clips"]) {
    const dir = path.join(root, base);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir)) {
      const f = path.join(dir, d, "workshop-clean-sub.mp4");
      if (!d.startsWith(".") && existsSync(f)) found.push(f);
    }
  }
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** The scenes: learning frames and the frames the cases are made from (other times than the learning). */
async function scenes(
  root: string,
  notes: string[],
): Promise<{ set: string; learn: Buffer[]; test: Buffer[] }[]> {
  const out: { set: string; learn: Buffer[]; test: Buffer[] }[] = [];
  if (existsSync(VTEST))
    out.push({ set: "vtest", learn: [0, 2, 4, 6, 8].map(vtestFrame), test: [30, 50, 70].map(vtestFrame) });
  else notes.push(`tamper: ${VTEST} missing (Debian opencv-doc): vtest set skipped`);
  const clip = drawnWorkshopClip(root);
  if (clip)
    out.push({
      set: "drawn workshop (simulator)",
      learn: [0, 3, 6, 9, 12].map((s) => frameAt(clip, s)),
      test: [20, 35, 50].map((s) => frameAt(clip, s)),
    });
  else notes.push("tamper: no cached simulator clips (run `npm run clips`): drawn workshop set skipped");
  out.push({
    set: "synthetic workshop",
    learn: await Promise.all([0.9, 1, 1.1, 0.95, 1.05].map((b) => workshopScene({ brightness: b }))),
    test: await Promise.all([1, 0.97, 1.03].map((b) => workshopScene({ brightness: b }))),
  });
  return out;
}

/** Runs one case: the learning frames, then the case's three frames; the alert types raised. */
async function runTamperCase(
  p: FrameProcessor,
  cameraId: number,
  frames: Buffer[],
  raised: Map<number, Set<string>>,
) {
  const base = Date.now() - 5000;
  const ms: number[] = [];
  for (const [i, jpeg] of frames.entries()) {
    const r = await p.processFrame({
      cameraId,
      capturedAt: new Date(base + i * 100).toISOString(),
      jpeg,
      width: 1,
      height: 1,
    });
    if (i >= frames.length - 3 && r.ms !== undefined) ms.push(r.ms);
  }
  return { types: raised.get(cameraId) ?? new Set<string>(), ms };
}

export async function evalTamper(
  root: string,
  notes: string[],
  log: (s: string) => void,
): Promise<EvalCase[]> {
  const config = parseAnalyticsConfig({
    models: {},
    defaults: {
      checks: {
        no_gloves: { enabled: false },
        no_hat: { enabled: false },
        unclean_area: { enabled: false },
        tamper: { intervalS: 0, persistence: { k: 2, n: 3 }, cooldownS: 3600, reference: { samples: 5 } },
      },
    },
  });
  const analyser = await createInlineAnalyser(config);
  const raised = new Map<number, Set<string>>();
  const p = new FrameProcessor({
    config,
    analyser,
    metrics: createAnalyticsRegistry().metrics,
    logger: createLogger({ level: "silent" }),
    publish: async (a) => {
      raised.set(a.cameraId, (raised.get(a.cameraId) ?? new Set()).add(a.type));
    },
  });
  const out: EvalCase[] = [];
  let cameraId = 1;
  for (const s of await scenes(root, notes)) {
    for (const v of VARIANTS) {
      const test = await Promise.all(s.test.map(v.make));
      const { types, ms } = await runTamperCase(p, cameraId++, [...s.learn, ...test], raised);
      for (const k of TAMPER_TYPES)
        out.push({ check: k, set: s.set, name: v.name, expected: v.kind === k, got: types.has(k), ms });
      const want = v.kind ?? "nothing";
      const got = [...types].join("+") || "nothing";
      if (want !== got) log(`tamper / ${s.set}: ${v.name}: expected ${want}, got ${got}`);
    }
  }
  await analyser.close();
  return out;
}
