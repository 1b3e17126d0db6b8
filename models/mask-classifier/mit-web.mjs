#!/usr/bin/env node
// EXPERIMENT, measurement only (never training): the committed mask classifier on
// ../shared/datasets/face-mask-cls-mit-web (web photos of unclear copyright, two class folders, no boxes).
// Its trap is framing (tight ID-style crops vs whole scenes), so every image is re-cropped the way the
// classifier was trained: BlazeFace (models/blazeface) finds the largest face, its box is mapped to a
// face-mask-cc0-voc-style face box (the mapping fitted here on the CC0 held-out faces >= 40 px: BlazeFace on
// a context crop around each labelled face), then the training crop (1.2 x the longer side, clamped).
// Near-duplicates (summary.json's exact and dHash groups) count once. Needs `npx tsc -b`.
//   node models/mask-classifier/mit-web.mjs
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { vocFaces } from "../../analytics/dist/eval/mask.eval.js";
import { loadModel } from "../../analytics/dist/models/detector.registry.js";
import { decodeJpeg } from "../../analytics/dist/models/image.adapter.js";
import { cut } from "./cut.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const datasets = ["../../..", "../../../.."]
  .map((up) => path.resolve(HERE, up, "shared/datasets"))
  .find((d) => existsSync(d));
const CC0 = path.join(datasets, "face-mask-cc0-voc");
const MIT = path.join(datasets, "face-mask-cls-mit-web");
const split = JSON.parse(readFileSync(path.join(HERE, "split.json"), "utf8"));
const face = await loadModel("face", { path: "blazeface/blazeface.onnx" }, path.dirname(HERE));
const mask = await loadModel("mask", { path: "mask-classifier/mask-classifier.onnx" }, path.dirname(HERE));
const bare = mask.card.classes.indexOf("bare");
const threshold = 0.6;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const largest = (dets) =>
  dets.reduce((a, d) => (!a || (d.x2 - d.x1) * (d.y2 - d.y1) > (a.x2 - a.x1) * (a.y2 - a.y1) ? d : a), null);

// 1. BlazeFace box → CC0 face box, on the CC0 held-out faces.
const ratio = [];
const dx = [];
const dy = [];
for (const id of [...split.val, ...split.test]) {
  const img = await decodeJpeg(readFileSync(path.join(CC0, "images", `${id}.jpg`)));
  for (const f of vocFaces(readFileSync(path.join(CC0, "annotations_voc", `${id}.xml`), "utf8"))) {
    const s = Math.max(f.x2 - f.x1, f.y2 - f.y1);
    if (s < 40 || (f.name !== "with_mask" && f.name !== "without_mask")) continue;
    const cx = (f.x1 + f.x2) / 2;
    const cy = (f.y1 + f.y2) / 2;
    const region = { x1: cx - 1.25 * s, y1: cy - 1.25 * s, x2: cx + 1.25 * s, y2: cy + 1.25 * s };
    const r = await cut(img, region);
    const d = largest(await face.detect(r));
    if (!d) continue;
    const bs = Math.max(d.x2 - d.x1, d.y2 - d.y1);
    const ox = Math.max(0, Math.floor(region.x1));
    const oy = Math.max(0, Math.floor(region.y1));
    ratio.push(s / bs);
    dx.push((cx - (ox + (d.x1 + d.x2) / 2)) / bs);
    dy.push((cy - (oy + (d.y1 + d.y2) / 2)) / bs);
  }
}
const map = { ratio: med(ratio), dx: med(dx), dy: med(dy), fittedOn: ratio.length };

// 2. The MIT images, one per duplicate group.
const summary = JSON.parse(readFileSync(path.join(MIT, "summary.json"), "utf8"));
const skip = new Set();
for (const g of [...(summary.exact_duplicate_groups ?? []), ...(summary.dhash_identical_groups ?? [])])
  for (const f of g.slice(1)) skip.add(f);
const out = {};
let tp = 0;
let fp = 0;
let fn = 0;
let tn = 0;
for (const cls of ["with_mask", "without_mask"]) {
  const o = { images: 0, duplicatesSkipped: 0, noFace: 0, under16px: 0, judged: 0, calledBare: 0 };
  for (const f of readdirSync(path.join(MIT, cls)).sort()) {
    if (skip.has(`${cls}/${f}`)) {
      o.duplicatesSkipped++;
      continue;
    }
    o.images++;
    const img = await decodeJpeg(readFileSync(path.join(MIT, cls, f))).catch(() => null);
    const d = img && largest(await face.detect(img));
    if (!d) {
      o.noFace++;
      continue;
    }
    const bs = Math.max(d.x2 - d.x1, d.y2 - d.y1);
    const s = bs * map.ratio;
    if (s < 16) {
      o.under16px++;
      continue;
    }
    const cx = (d.x1 + d.x2) / 2 + map.dx * bs;
    const cy = (d.y1 + d.y2) / 2 + map.dy * bs;
    const side = 1.2 * s;
    const [p] = await mask.classifyMany([
      await cut(img, { x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2 }),
    ]);
    const isBare = p[bare] >= threshold;
    o.judged++;
    if (isBare) o.calledBare++;
    if (cls === "without_mask") isBare ? tp++ : fn++;
    else isBare ? fp++ : tn++;
  }
  out[cls] = o;
}
await face.release();
await mask.release();
const r3 = (x) => Math.round(x * 1000) / 1000;
console.log(
  JSON.stringify(
    {
      experiment: "measurement only; images of unclear copyright, never trained on",
      blazefaceToFaceBox: { ratio: r3(map.ratio), dx: r3(map.dx), dy: r3(map.dy), fittedOn: map.fittedOn },
      threshold,
      ...out,
      bare: { precision: r3(tp / (tp + fp)), recall: r3(tp / (tp + fn)), tp, fp, fn, tn },
    },
    null,
    1,
  ),
);
