#!/usr/bin/env node
// Does the worker's face box (analytics/src/analysis/parts.ts faceRegion: MoveNet face points → square) cut
// the crop the mask classifier was trained on (a square of 1.2 × the labelled face box's longer side)?
// On the held-out and validation images of split.json, for faces of at least --min px: a pseudo person crop
// around each labelled face (the face at the top, as MoveNet sees a person box), MoveNet on it, faceRegion
// from its keypoints, compared with the training crop: IoU, side ratio, centre offset (in sides); and the
// classifier's answer on both crops. Needs `npx tsc -b` (reads analytics/dist) and ../shared/datasets.
//   node models/mask-classifier/facebox.mjs [--min 24] [--split heldout|train] [--data DIR]
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { faceRegion } from "../../analytics/dist/analysis/parts.js";
import { vocFaces } from "../../analytics/dist/eval/mask.eval.js";
import { decodeJpeg } from "../../analytics/dist/models/image.adapter.js";
import { loadModelSet } from "../../analytics/dist/worker/model-set.js";
import { cut } from "./cut.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const MIN = Number(opt("--min", "24"));
const DATA =
  opt("--data") ??
  ["../../..", "../../../.."]
    .map((up) => path.resolve(HERE, up, "shared/datasets/face-mask-cc0-voc"))
    .find((d) => existsSync(d));
const split = JSON.parse(readFileSync(path.join(HERE, "split.json"), "utf8"));
const set = await loadModelSet({
  modelsDir: path.dirname(HERE),
  models: {
    pose: { path: "movenet-lightning/movenet-lightning.onnx" },
    mask: { path: "mask-classifier/mask-classifier.onnx" },
  },
});
const { pose, mask } = set.models;
const bare = mask.card.classes.indexOf("bare");

const iou = (a, b) => {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const u = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - w * h;
  return u > 0 ? (w * h) / u : 0;
};

const rows = [];
let noFace = 0;
const SPLIT = opt("--split", "heldout"); // heldout: val + test; train: the training images (the fit)
for (const id of SPLIT === "train" ? split.train : [...split.val, ...split.test]) {
  const img = await decodeJpeg(readFileSync(path.join(DATA, "images", `${id}.jpg`)));
  for (const f of vocFaces(readFileSync(path.join(DATA, "annotations_voc", `${id}.xml`), "utf8"))) {
    if (f.name !== "with_mask" && f.name !== "without_mask") continue;
    const w = f.x2 - f.x1;
    const h = f.y2 - f.y1;
    if (Math.max(w, h) < MIN) continue;
    // A person box as CenterNet would give it for a head-and-shoulders view: the face at its top.
    const person = {
      x1: Math.max(0, f.x1 - 1.2 * w),
      y1: Math.max(0, f.y1 - 0.35 * h),
      x2: Math.min(img.width, f.x2 + 1.2 * w),
      y2: Math.min(img.height, f.y2 + 2.5 * h),
    };
    const personImg = await cut(img, person);
    const local = await pose.keypoints(personImg);
    const left = Math.max(0, Math.floor(person.x1));
    const top = Math.max(0, Math.floor(person.y1));
    const kps = local.map((k) => ({ ...k, x: k.x + left, y: k.y + top }));
    const r = faceRegion(person, kps, img.width, img.height);
    if (!r) {
      noFace++;
      continue;
    }
    const side = 1.2 * Math.max(w, h);
    const cx = (f.x1 + f.x2) / 2;
    const cy = (f.y1 + f.y2) / 2;
    const train = { x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2 };
    const s = r.box.x2 - r.box.x1;
    const [pt] = await mask.classifyMany([await cut(img, train)]);
    const [pr] = await mask.classifyMany([await cut(img, r.box)]);
    rows.push({
      bare: f.name === "without_mask",
      iou: iou(train, r.box),
      ratio: s / side,
      dx: ((r.box.x1 + r.box.x2) / 2 - cx) / side,
      dy: ((r.box.y1 + r.box.y2) / 2 - cy) / side,
      trainBare: pt[bare] >= 0.5,
      kpBare: pr[bare] >= 0.5,
    });
  }
}
await set.release();
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const acc = (key) => rows.filter((r) => r[key] === r.bare).length / Math.max(1, rows.length);
const recall = (key) =>
  rows.filter((r) => r.bare && r[key]).length / Math.max(1, rows.filter((r) => r.bare).length);
const r3 = (x) => Math.round(x * 1000) / 1000;
console.log(
  JSON.stringify(
    {
      split: SPLIT,
      faces: rows.length + noFace,
      minFacePx: MIN,
      noFacePoints: noFace,
      medianIoU: r3(med(rows.map((r) => r.iou))),
      iouAtLeast05: r3(rows.filter((r) => r.iou >= 0.5).length / Math.max(1, rows.length)),
      medianSideRatio: r3(med(rows.map((r) => r.ratio))),
      medianCentreOffset: { x: r3(med(rows.map((r) => r.dx))), y: r3(med(rows.map((r) => r.dy))) },
      accuracy: { trainingCrop: r3(acc("trainBare")), keypointCrop: r3(acc("kpBare")) },
      bareRecall: { trainingCrop: r3(recall("trainBare")), keypointCrop: r3(recall("kpBare")) },
      bareFaces: rows.filter((r) => r.bare).length,
    },
    null,
    1,
  ),
);
