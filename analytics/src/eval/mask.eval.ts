/**
 * The no_mask evaluation (`npm run eval`): the mask classifier on the held-out faces of
 * models/mask-classifier/train.py's split (split.json lists the image ids; the photos are read from
 * ../shared/datasets/face-mask-cc0-voc, never committed), cropped from the labelled boxes as train.py does;
 * and the whole pipeline (CenterNet → MoveNet → face box → classifier) on vtest.avi, where every visible
 * face is bare: recall, and how many faces were too small or had no face points ("unknown").
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { analyseFrame, type FramePlan } from "../analysis/frame.pipeline.js";
import { parseAnalyticsConfig } from "../config.schema.js";
import type { Classifier } from "../models/detector.registry.js";
import { crop, decodeJpeg } from "../models/image.adapter.js";
import { loadModelSet } from "../worker/model-set.js";
import { frameAt, VTEST, vtestFrame } from "./footage.js";
import type { EvalCase } from "./stats.js";

interface Split {
  minFacePx: number;
  cropScale: number;
  test: string[];
}

/** The labelled faces of a Pascal VOC file: class name and pixel box. */
export function vocFaces(xml: string): { name: string; x1: number; y1: number; x2: number; y2: number }[] {
  const out: { name: string; x1: number; y1: number; x2: number; y2: number }[] = [];
  for (const m of xml.matchAll(/<object>([\s\S]*?)<\/object>/g)) {
    const body = m[1] as string;
    const tag = (t: string) => Number(body.match(new RegExp(`<${t}>\\s*([-\\d.]+)\\s*</${t}>`))?.[1]);
    const name = body.match(/<name>\s*([^<]+?)\s*<\/name>/)?.[1] ?? "";
    out.push({ name, x1: tag("xmin"), y1: tag("ymin"), x2: tag("xmax"), y2: tag("ymax") });
  }
  return out;
}

async function heldOut(models: string, data: string, out: EvalCase[], notes: string[]): Promise<void> {
  const cfg = parseAnalyticsConfig({});
  const entry = cfg.models.mask;
  const splitFile = path.join(models, "mask-classifier", "split.json");
  if (!entry || !existsSync(path.join(models, entry.path)) || !existsSync(splitFile)) {
    notes.push("no_mask held-out: models/mask-classifier is not there: not evaluated");
    return;
  }
  if (!existsSync(data)) {
    notes.push(`no_mask held-out skipped: ${data} missing`);
    return;
  }
  const split = JSON.parse(readFileSync(splitFile, "utf8")) as Split;
  const set = await loadModelSet({ modelsDir: models, models: { mask: entry } });
  const mask = set.models.mask as Classifier;
  const bareIdx = mask.card.classes.indexOf("bare");
  const threshold = cfg.defaults.checks.no_mask.threshold;
  for (const id of split.test) {
    const img = await decodeJpeg(readFileSync(path.join(data, "images", `${id}.jpg`)));
    const faces = vocFaces(readFileSync(path.join(data, "annotations_voc", `${id}.xml`), "utf8"));
    for (const [k, f] of faces.entries()) {
      if (f.name !== "with_mask" && f.name !== "without_mask") continue; // mask_weared_incorrect: excluded
      if (Math.max(f.x2 - f.x1, f.y2 - f.y1) < split.minFacePx) continue;
      const side = Math.max(f.x2 - f.x1, f.y2 - f.y1) * split.cropScale;
      const cx = (f.x1 + f.x2) / 2;
      const cy = (f.y1 + f.y2) / 2;
      const x1 = Math.max(0, Math.round(cx - side / 2));
      const y1 = Math.max(0, Math.round(cy - side / 2));
      const x2 = Math.min(img.width, Math.round(cx + side / 2));
      const y2 = Math.min(img.height, Math.round(cy + side / 2));
      if (x2 - x1 < 4 || y2 - y1 < 4) continue;
      const t = performance.now();
      const probs = await mask.classify(
        await crop(img, { left: x1, top: y1, width: x2 - x1, height: y2 - y1 }),
      );
      out.push({
        check: "no_mask",
        set: "face-mask data, held-out images",
        name: `${id} face ${k}`,
        expected: f.name === "without_mask",
        got: (probs[bareIdx] ?? 0) >= threshold,
        ms: [performance.now() - t],
      });
    }
  }
  notes.push(
    `no_mask held-out: faces >= ${split.minFacePx} px cropped from the labelled boxes (not from the pose model), threshold ${threshold}: the classifier alone, on street/transit photos; mask_weared_incorrect faces left out`,
  );
  await set.release();
}

/**
 * The demo's close-up camera (ingest/src/simulator/clip-recipes.ts "close-up"): vtest.avi cropped to
 * 384×288 at (100, 200) and scaled to the 640×480 sub-stream, as JPEG.
 */
export function closeUpFrame(seconds: number): Buffer {
  return frameAt(VTEST, seconds, { vf: "crop=384:288:100:200,scale=640:480", quality: 5 });
}

/** vtest.avi through the pipeline: every face judged should be bare; faces not judged are counted. */
async function vtest(models: string, quick: boolean, out: EvalCase[], notes: string[]): Promise<void> {
  const cfg = parseAnalyticsConfig({ modelsDir: models });
  const entry = cfg.models.mask;
  if (!entry || !existsSync(path.join(models, entry.path)) || !existsSync(VTEST)) return;
  const set = await loadModelSet({
    modelsDir: models,
    models: { person: cfg.models.person, pose: cfg.models.pose, mask: entry } as never,
  });
  const threshold = cfg.defaults.checks.no_mask.threshold;
  const minFacePx = cfg.defaults.checks.no_mask.minCropPx;
  const sets = [
    {
      name: "vtest real faces (all bare)",
      frame: vtestFrame,
      times: quick ? [48, 58] : [2, 8, 14, 20, 26, 32, 38, 44, 50, 56, 62, 68, 74],
    },
    {
      name: "vtest close-up faces (all bare)",
      frame: closeUpFrame,
      times: quick ? [50, 60] : [46, 48, 50, 52, 54, 56, 58, 60, 62, 64, 66, 68],
    },
  ];
  for (const s of sets) await vtestSet(set.models, s, threshold, minFacePx, out, notes);
  await set.release();
}

async function vtestSet(
  models: Awaited<ReturnType<typeof loadModelSet>>["models"],
  s: { name: string; frame: (t: number) => Buffer; times: number[] },
  threshold: number,
  minFacePx: number,
  out: EvalCase[],
  notes: string[],
): Promise<void> {
  let unknown = 0;
  let judged = 0;
  for (const t of s.times) {
    const plan: FramePlan = {
      thumb: { width: 64, height: 48 },
      motion: { pixelThreshold: 25, areaThreshold: 0.005 },
      people: "always",
      hands: false,
      heads: false,
      faces: true,
      minFacePx,
      maxPersons: 8,
      custom: [],
    };
    const start = performance.now();
    const obs = await analyseFrame(new Uint8Array(s.frame(t)), plan, models);
    const ms = performance.now() - start;
    unknown += obs.unknownFaces ?? 0;
    judged += obs.faces?.length ?? 0;
    for (const f of obs.faces ?? [])
      out.push({
        check: "no_mask",
        set: s.name,
        name: `t=${t}s person ${f.person}`,
        expected: true,
        got: f.violation >= threshold,
        ms: [ms / Math.max(1, obs.faces?.length ?? 1)],
      });
  }
  notes.push(
    `no_mask, ${s.name}, ${s.times.length} frames: ${judged} faces judged, ${unknown} unknown (no face points, or shorter than minCropPx ${minFacePx} px) — unknown is never bare; nobody wears a mask there, so only recall is measured`,
  );
}

export async function evalMask(
  models: string,
  data: string,
  quick: boolean,
): Promise<{ results: EvalCase[]; notes: string[] }> {
  const results: EvalCase[] = [];
  const notes: string[] = [];
  await heldOut(models, data, results, notes);
  await vtest(models, quick, results, notes);
  return { results, notes };
}
