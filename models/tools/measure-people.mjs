#!/usr/bin/env node
// Measures, on real footage with people (Debian opencv-doc's vtest.avi), what the converted models find:
// persons (CenterNet), heads and hands located by MoveNet on each person crop, faces by BlazeFace on the
// head region. Prints a JSON summary; with --png DIR writes annotated frames to look at; with
// --export-heads FILE writes the head crops (uint8 N×S×S×3 + FILE.json) used to build the no_hat data;
// --images a.jpg,b.png runs on still images instead of the video.
// --centernet DIR measures another conversion of the person detector (DIR/card.json + its ONNX file, e.g.
// from `npm run models:build -- --only centernet --size 512x512 --out DIR`); --score S overrides its threshold.
//   node models/tools/measure-people.mjs [--frames 20] [--png /tmp/people] [--export-heads /tmp/heads.bin]
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cropToTensor, nms, readFrames, readImage, writeAnnotatedPng } from "./image.mjs";
import { openSession, runOnnx } from "./parity.mjs";

const MODELS = dirname(dirname(fileURLToPath(import.meta.url)));
const VIDEO = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const FRAMES = Number(opt("--frames", "20"));
const PNG = opt("--png");
const HEADS = opt("--export-heads");
const HEAD_SIZE = 64;
const KP = 0.3;

const CN_DIR = opt("--centernet", join(MODELS, "centernet"));
const cn = JSON.parse(readFileSync(join(CN_DIR, "card.json"), "utf8"));
const CN_W = cn.input.width;
const CN_H = cn.input.height;
const CN_SCORE = Number(opt("--score", String(cn.thresholds.score)));
const center = await openSession(join(CN_DIR, cn.file));
const movenet = await openSession(join(MODELS, "movenet-lightning", "movenet-lightning.onnx"));
const blazeface = await openSession(join(MODELS, "blazeface", "blazeface.onnx"));
const glove = await openSession(join(MODELS, "glove-classifier", "glove-classifier.onnx"));

/** The glove classifier on a hand box, cut as its card says: clamped inside the frame, stretched to 64×64. */
async function bareProbability(img, [x1, y1, x2, y2]) {
  const cx1 = Math.max(0, x1);
  const cy1 = Math.max(0, y1);
  const cx2 = Math.min(img.width, x2);
  const cy2 = Math.min(img.height, y2);
  if (cx2 - cx1 < 4 || cy2 - cy1 < 4) return undefined;
  const { tensor } = cropToTensor(img, [cx1, cy1, cx2 - cx1, cy2 - cy1], 64, false);
  return (await runOnnx(glove, tensor, 64)).probs.data[0];
}

/** Persons in the frame: CenterNet `detections` rows [x1,y1,x2,y2 (input px), score, class]. */
export async function persons(img) {
  const { tensor } = cropToTensor(img, [0, 0, img.width, img.height], CN_W, false, CN_H);
  const det = (await runOnnx(center, tensor, CN_W, CN_H)).detections.data;
  const items = [];
  for (let i = 0; i < 100; i++) {
    const r = det.subarray(i * 6, i * 6 + 6);
    if (r[5] !== 0 || r[4] < CN_SCORE) continue;
    const sx = img.width / CN_W;
    const sy = img.height / CN_H;
    items.push({ box: [r[0] * sx, r[1] * sy, r[2] * sx, r[3] * sy], score: r[4] });
  }
  return nms(items, cn.thresholds.iou);
}

/** MoveNet on the person's box (enlarged 10%, letterboxed): 17 keypoints in frame pixels. */
export async function pose(img, box) {
  const [x1, y1, x2, y2] = box;
  const w = (x2 - x1) * 1.1;
  const h = (y2 - y1) * 1.1;
  const region = [(x1 + x2) / 2 - w / 2, (y1 + y2) / 2 - h / 2, w, h];
  const { tensor, map } = cropToTensor(img, region, 192, true);
  const k = (await runOnnx(movenet, tensor, 192)).keypoints.data;
  const pts = [];
  for (let i = 0; i < 17; i++)
    pts.push({
      x: map.ox + k[i * 3 + 1] * 192 * map.sx,
      y: map.oy + k[i * 3] * 192 * map.sy,
      score: k[i * 3 + 2],
    });
  return pts;
}

/** Head box from the face keypoints (nose, eyes, ears): square, raised to include the top of the head. */
export function headBox(pts, personBox) {
  const face = pts.slice(0, 5).filter((p) => p.score >= KP);
  if (face.length === 0) return undefined;
  const cx = face.reduce((s, p) => s + p.x, 0) / face.length;
  const cy = face.reduce((s, p) => s + p.y, 0) / face.length;
  const spread = Math.max(...face.map((p) => Math.hypot(p.x - cx, p.y - cy)));
  const size = Math.max(3.2 * spread, 0.16 * (personBox[3] - personBox[1]));
  return [cx - size / 2, cy - 0.65 * size, cx + size / 2, cy + 0.35 * size];
}

/** Hand boxes from wrist and elbow: centred a third of a forearm beyond the wrist. */
export function handBoxes(pts, personBox) {
  const out = [];
  for (const [wrist, elbow] of [
    [9, 7],
    [10, 8],
  ]) {
    const w = pts[wrist];
    const e = pts[elbow];
    if (w.score < KP) continue;
    const ok = e.score >= KP;
    const fx = ok ? w.x - e.x : 0;
    const fy = ok ? w.y - e.y : 0;
    const len = Math.max(Math.hypot(fx, fy), 0.1 * (personBox[3] - personBox[1]));
    const cx = w.x + fx * 0.35;
    const cy = w.y + fy * 0.35;
    const s = len * 0.9;
    out.push([cx - s / 2, cy - s / 2, cx + s / 2, cy + s / 2]);
  }
  return out;
}

async function faceIn(img, head) {
  const [x1, y1, x2, y2] = head;
  const { tensor } = cropToTensor(img, [x1, y1, x2 - x1, y2 - y1], 256, true);
  const s = (await runOnnx(blazeface, tensor, 256)).scores.data;
  return Math.max(...s);
}

const IMAGES = opt("--images");
const frames = IMAGES
  ? IMAGES.split(",").map(readImage)
  : readFrames(VIDEO, { start: 0, step: Math.floor(790 / FRAMES), count: FRAMES });
const stats = {
  frames: frames.length,
  persons: 0,
  headByMovenet: 0,
  faceByBlazeface: 0,
  onePlusWrist: 0,
  wrists: 0,
  handsClassified: 0,
  handsCalledBare: 0,
  ms: { centernet: 0, movenet: 0 },
};
const crops = [];
const cropMeta = [];
for (const [fi, img] of frames.entries()) {
  let t0 = performance.now();
  const people = await persons(img);
  stats.ms.centernet += performance.now() - t0;
  const rects = [];
  for (const p of people) {
    stats.persons++;
    t0 = performance.now();
    const pts = await pose(img, p.box);
    stats.ms.movenet += performance.now() - t0;
    rects.push({ box: p.box, color: [0, 255, 0] });
    const head = headBox(pts, p.box);
    const hands = handBoxes(pts, p.box);
    if (hands.length) stats.onePlusWrist++;
    stats.wrists += hands.length;
    for (const h of hands) {
      rects.push({ box: h, color: [0, 128, 255] });
      const bare = await bareProbability(img, h);
      if (bare !== undefined) {
        stats.handsClassified++;
        if (bare >= 0.5) stats.handsCalledBare++;
      }
    }
    // BlazeFace gets the same chance: the upper fifth of the person box (or the MoveNet head box).
    const [x1, y1, x2] = p.box;
    const hw = (x2 - x1) * 0.8;
    const region = head ?? [(x1 + x2) / 2 - hw / 2, y1, (x1 + x2) / 2 + hw / 2, y1 + hw];
    if ((await faceIn(img, region)) >= 0.5) stats.faceByBlazeface++;
    if (head) {
      stats.headByMovenet++;
      rects.push({ box: head, color: [255, 0, 0] });
      if (HEADS) {
        const { tensor } = cropToTensor(
          img,
          [head[0], head[1], head[2] - head[0], head[3] - head[1]],
          HEAD_SIZE,
          false,
        );
        const u8 = new Uint8Array(HEAD_SIZE * HEAD_SIZE * 3);
        const plane = HEAD_SIZE * HEAD_SIZE;
        for (let i = 0; i < plane; i++)
          for (let c = 0; c < 3; c++) u8[i * 3 + c] = Math.round(tensor[c * plane + i] * 255);
        crops.push(u8);
        cropMeta.push({
          frame: fi,
          source: IMAGES ? IMAGES.split(",")[fi] : VIDEO,
          box: head.map((v) => Math.round(v)),
          person: p.box.map((v) => Math.round(v)),
          personScore: Number(p.score.toFixed(3)),
        });
      }
    }
  }
  if (PNG) writeAnnotatedPng(img, rects, join(PNG, `frame-${String(fi).padStart(3, "0")}.png`));
}
stats.ms.centernet = Number((stats.ms.centernet / frames.length).toFixed(1));
stats.ms.movenet = Number((stats.ms.movenet / Math.max(1, stats.persons)).toFixed(1));
const summary = {
  video: IMAGES ?? "vtest.avi (opencv-doc), 768x576",
  ...stats,
  headRateMovenet: Number((stats.headByMovenet / stats.persons).toFixed(3)),
  faceRateBlazeface: Number((stats.faceByBlazeface / stats.persons).toFixed(3)),
  wristRateMovenet: Number((stats.onePlusWrist / stats.persons).toFixed(3)),
  // pedestrians in this footage wear no gloves (checked by eye): the share of their hands called bare
  handsCalledBareRate: Number((stats.handsCalledBare / Math.max(1, stats.handsClassified)).toFixed(3)),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
if (HEADS) {
  writeFileSync(HEADS, Buffer.concat(crops.map((c) => Buffer.from(c))));
  writeFileSync(`${HEADS}.json`, JSON.stringify({ size: HEAD_SIZE, crops: cropMeta }));
}
