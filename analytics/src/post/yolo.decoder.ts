/**
 * Decoders for the output layouts of Ultralytics detectors exported to ONNX:
 *
 * - YOLOv8 / YOLO11: one output `[1, 4 + C, A]` — per anchor cx, cy, w, h (input pixels) then C class
 *   scores (already sigmoid). Some exports transpose it to `[1, A, 4 + C]`; both are accepted.
 * - YOLOv5: one output `[1, A, 5 + C]` — cx, cy, w, h, objectness, C class scores; the score of a class
 *   is objectness × class score.
 *
 * The result is in model-input pixels, before NMS.
 */
import type { Detection } from "./detection.js";

export type YoloLayout = "yolov5" | "yolov8" | "yolo11";

export interface YoloDecodeOptions {
  layout: YoloLayout;
  numClasses: number;
  /** Minimum score (v5: objectness × class score) for a candidate. */
  scoreThreshold: number;
  /** Only these class ids (default: all). */
  classes?: readonly number[];
}

export class OutputShapeError extends Error {
  override name = "OutputShapeError";
}

export function decodeYolo(
  data: Float32Array,
  dims: readonly number[],
  opts: YoloDecodeOptions,
): Detection[] {
  if (opts.layout === "yolov5") return decodeV5(data, dims, opts);
  return decodeV8(data, dims, opts);
}

function shape3(dims: readonly number[], what: string): [number, number] {
  const d =
    dims.length === 3 && dims[0] === 1 ? [dims[1], dims[2]] : dims.length === 2 ? [dims[0], dims[1]] : null;
  if (!d)
    throw new OutputShapeError(`${what}: expected an output of shape [1, R, C], got [${dims.join(", ")}]`);
  return d as [number, number];
}

function decodeV8(data: Float32Array, dims: readonly number[], opts: YoloDecodeOptions): Detection[] {
  const [a, b] = shape3(dims, "YOLOv8/11");
  const rows = 4 + opts.numClasses;
  // [1, 4+C, A] (the Ultralytics default) or [1, A, 4+C] (transposed exports).
  let anchors: number;
  let at: (feature: number, anchor: number) => number;
  if (a === rows) {
    anchors = b;
    at = (f, i) => data[f * anchors + i] as number;
  } else if (b === rows) {
    anchors = a;
    at = (f, i) => data[i * rows + f] as number;
  } else {
    throw new OutputShapeError(
      `YOLOv8/11: output [${dims.join(", ")}] does not hold 4 + ${opts.numClasses} classes per anchor`,
    );
  }
  if (data.length < rows * anchors) throw new OutputShapeError("YOLOv8/11: output shorter than its shape");
  const classes = opts.classes ?? range(opts.numClasses);
  const out: Detection[] = [];
  for (let i = 0; i < anchors; i++) {
    let best = -1;
    let bestScore = opts.scoreThreshold;
    for (const c of classes) {
      const s = at(4 + c, i);
      if (s >= bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best < 0) continue;
    out.push(box(at(0, i), at(1, i), at(2, i), at(3, i), bestScore, best));
  }
  return out;
}

function decodeV5(data: Float32Array, dims: readonly number[], opts: YoloDecodeOptions): Detection[] {
  const [anchors, cols] = shape3(dims, "YOLOv5");
  if (cols !== 5 + opts.numClasses) {
    throw new OutputShapeError(
      `YOLOv5: output [${dims.join(", ")}] does not hold 5 + ${opts.numClasses} classes per anchor`,
    );
  }
  if (data.length < anchors * cols) throw new OutputShapeError("YOLOv5: output shorter than its shape");
  const classes = opts.classes ?? range(opts.numClasses);
  const out: Detection[] = [];
  for (let i = 0; i < anchors; i++) {
    const o = i * cols;
    const obj = data[o + 4] as number;
    if (obj < opts.scoreThreshold) continue;
    let best = -1;
    let bestScore = opts.scoreThreshold;
    for (const c of classes) {
      const s = obj * (data[o + 5 + c] as number);
      if (s >= bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best < 0) continue;
    out.push(
      box(
        data[o] as number,
        data[o + 1] as number,
        data[o + 2] as number,
        data[o + 3] as number,
        bestScore,
        best,
      ),
    );
  }
  return out;
}

function box(cx: number, cy: number, w: number, h: number, score: number, classId: number): Detection {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classId };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
