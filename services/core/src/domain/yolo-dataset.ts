/**
 * Feedback for the models: reviewed alerts as a YOLO-format dataset (Ultralytics layout), pure.
 *
 *   data.yaml                   path / train / val / names
 *   images/{train,val}/<alert id>.jpg
 *   labels/{train,val}/<alert id>.txt   one line per box: `<class> <cx> <cy> <w> <h>` (normalised 0..1)
 *   manifest.json               per image: the alert, its verdict, its original boxes, the split, the
 *                               model and its version (what a retraining compares against)
 *
 * Verdicts: an alert confirmed by a person (resolved, or in a case closed as anything but a false
 * alarm) keeps its boxes as labels; an alert marked a false positive (or in a case closed as a false
 * alarm) becomes a background image — an empty label file, the way YOLO learns "nothing to find here"
 * — and its wrong boxes stay in the manifest for review. The split is by a hash of the alert id (about
 * 10 % validation), so the same alert always lands on the same side across exports.
 */
import { createHash } from "node:crypto";

export type Verdict = "confirmed" | "false_positive";

export interface FeedbackBox {
  /** Top-left corner and size, normalised to the frame (the AlertJob contract). */
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
  score?: number;
}

export interface FeedbackAlert {
  id: string;
  type: string;
  verdict: Verdict;
  boxes: FeedbackBox[];
  capturedAt: string;
  cameraId: number;
  model: string | null;
  /** The versions of the models that raised it (`centernet@1+hat-classifier@2`), when recorded. */
  modelVersion?: string | null;
}

export interface DatasetFile {
  path: string;
  /** Text content; images are supplied by the caller under `imagePath`. */
  text?: string;
  /** For images: the alert whose frame goes here. */
  alertId?: string;
}

export interface YoloDataset {
  classes: string[];
  files: DatasetFile[];
  counts: { confirmed: number; falsePositive: number; train: number; val: number; boxes: number };
}

export function splitOf(alertId: string, valPercent = 10): "train" | "val" {
  const h = createHash("sha256").update(alertId).digest();
  return h.readUInt16BE(0) % 100 < valPercent ? "val" : "train";
}

const clamp01 = (n: number) => Math.min(1, Math.max(0, n));
const f6 = (n: number) => clamp01(n).toFixed(6);

/** One YOLO label line for a box, or null when the box is empty after clamping. */
export function yoloLine(classIndex: number, b: FeedbackBox): string | null {
  const x1 = clamp01(b.x);
  const y1 = clamp01(b.y);
  const x2 = clamp01(b.x + b.w);
  const y2 = clamp01(b.y + b.h);
  if (x2 - x1 <= 0 || y2 - y1 <= 0) return null;
  return `${classIndex} ${f6((x1 + x2) / 2)} ${f6((y1 + y2) / 2)} ${f6(x2 - x1)} ${f6(y2 - y1)}`;
}

export function buildYoloDataset(
  alerts: readonly FeedbackAlert[],
  opts: { valPercent?: number } = {},
): YoloDataset {
  const confirmed = alerts.filter((a) => a.verdict === "confirmed");
  const classes = [...new Set(confirmed.flatMap((a) => a.boxes.map((b) => b.label)))].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const files: DatasetFile[] = [];
  const manifest: unknown[] = [];
  const counts = { confirmed: 0, falsePositive: 0, train: 0, val: 0, boxes: 0 };
  for (const a of [...alerts].sort((p, q) => p.id.localeCompare(q.id))) {
    const split = splitOf(a.id, opts.valPercent);
    const lines =
      a.verdict === "confirmed"
        ? a.boxes.map((b) => yoloLine(index.get(b.label)!, b)).filter((l): l is string => l !== null)
        : [];
    files.push({ path: `images/${split}/${a.id}.jpg`, alertId: a.id });
    files.push({ path: `labels/${split}/${a.id}.txt`, text: lines.length ? `${lines.join("\n")}\n` : "" });
    counts[split] += 1;
    counts.boxes += lines.length;
    if (a.verdict === "confirmed") counts.confirmed += 1;
    else counts.falsePositive += 1;
    manifest.push({
      image: `images/${split}/${a.id}.jpg`,
      alertId: a.id,
      type: a.type,
      verdict: a.verdict,
      split,
      cameraId: a.cameraId,
      capturedAt: a.capturedAt,
      model: a.model,
      modelVersion: a.modelVersion ?? null,
      boxes: a.boxes,
    });
  }
  const yaml = [
    "# Mingfang (明坊) reviewed alerts, exported for retraining. Ultralytics YOLO layout.",
    "path: .",
    "train: images/train",
    "val: images/val",
    classes.length ? "names:" : "names: {}",
    ...classes.map((c, i) => `  ${i}: ${JSON.stringify(c)}`),
    "",
  ].join("\n");
  files.unshift({ path: "data.yaml", text: yaml });
  files.push({
    path: "manifest.json",
    text: `${JSON.stringify({ classes, counts, images: manifest }, null, 2)}\n`,
  });
  return { classes, files, counts };
}
