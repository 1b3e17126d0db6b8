/**
 * CenterNet ("Objects as Points") decoding. A CenterNet head gives, on a grid of stride S:
 * a per-class centre heatmap, the box size and the sub-cell offset of each centre. A detection is a
 * heatmap peak (the 3×3 max-pool trick instead of NMS) above the threshold; its box is
 * centre = (cell + offset) · S, size = wh · sizeScale.
 *
 * Tensors may be NCHW (`[1, C, H, W]`, PyTorch exports) or NHWC (`[1, H, W, C]`, TF graphs); the card says
 * which. Results are in model-input pixels.
 */
import type { Detection } from "./detection.js";
import { OutputShapeError } from "./yolo.decoder.js";

export interface CenterNetTensors {
  heatmap: { data: Float32Array; dims: readonly number[] };
  /** Box width and height per cell (2 channels). */
  wh: { data: Float32Array; dims: readonly number[] };
  /** Sub-cell offset of the centre per cell (2 channels); absent: centres at the cell corner. */
  offset?: { data: Float32Array; dims: readonly number[] };
}

export interface CenterNetDecodeOptions {
  layout: "nchw" | "nhwc";
  /** Model input size (pixels): the stride is inputSize / grid size. */
  inputWidth: number;
  inputHeight: number;
  scoreThreshold: number;
  /** The heatmap holds logits: apply a sigmoid. */
  heatmapLogits?: boolean;
  /** Multiplier of wh: the stride when sizes are in grid cells (the default), 1 when in input pixels. */
  sizeScale?: number;
  /** Only these class ids (default: all). */
  classes?: readonly number[];
  maxDetections?: number;
}

interface Grid {
  c: number;
  h: number;
  w: number;
  at(ch: number, y: number, x: number): number;
}

function grid(
  t: { data: Float32Array; dims: readonly number[] },
  layout: "nchw" | "nhwc",
  what: string,
): Grid {
  const d = t.dims;
  if (d.length !== 4 || d[0] !== 1) {
    throw new OutputShapeError(
      `CenterNet ${what}: expected a 4-d output with batch 1, got [${d.join(", ")}]`,
    );
  }
  const [, a, b, e] = d as [number, number, number, number];
  if (t.data.length < a * b * e)
    throw new OutputShapeError(`CenterNet ${what}: output shorter than its shape`);
  if (layout === "nchw") {
    return { c: a, h: b, w: e, at: (ch, y, x) => t.data[(ch * b + y) * e + x] as number };
  }
  return { c: e, h: a, w: b, at: (ch, y, x) => t.data[(y * b + x) * e + ch] as number };
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export function decodeCenterNet(t: CenterNetTensors, opts: CenterNetDecodeOptions): Detection[] {
  const hm = grid(t.heatmap, opts.layout, "heatmap");
  const wh = grid(t.wh, opts.layout, "wh");
  const off = t.offset ? grid(t.offset, opts.layout, "offset") : undefined;
  for (const [g, n] of [
    [wh, "wh"],
    [off, "offset"],
  ] as const) {
    if (!g) continue;
    if (g.c !== 2 || g.h !== hm.h || g.w !== hm.w) {
      throw new OutputShapeError(`CenterNet ${n}: expected 2 channels on the ${hm.h}×${hm.w} grid`);
    }
  }
  const strideX = opts.inputWidth / hm.w;
  const strideY = opts.inputHeight / hm.h;
  const sizeX = opts.sizeScale ?? strideX;
  const sizeY = opts.sizeScale ?? strideY;
  const score = (c: number, y: number, x: number) => {
    const v = hm.at(c, y, x);
    return opts.heatmapLogits ? sigmoid(v) : v;
  };
  const classes = opts.classes ?? Array.from({ length: hm.c }, (_, i) => i);
  const out: Detection[] = [];
  for (const c of classes) {
    if (c >= hm.c) throw new OutputShapeError(`CenterNet: class ${c} beyond the heatmap's ${hm.c} channels`);
    for (let y = 0; y < hm.h; y++) {
      for (let x = 0; x < hm.w; x++) {
        const s = score(c, y, x);
        if (s < opts.scoreThreshold) continue;
        if (!isPeak(score, c, y, x, s, hm.h, hm.w)) continue;
        const cx = (x + (off ? off.at(0, y, x) : 0)) * strideX;
        const cy = (y + (off ? off.at(1, y, x) : 0)) * strideY;
        const w = wh.at(0, y, x) * sizeX;
        const h = wh.at(1, y, x) * sizeY;
        out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score: s, classId: c });
      }
    }
  }
  out.sort((a, b) => b.score - a.score);
  return opts.maxDetections ? out.slice(0, opts.maxDetections) : out;
}

/** A cell is a peak when no 3×3 neighbour is higher (ties: the first in scan order wins). */
function isPeak(
  score: (c: number, y: number, x: number) => number,
  c: number,
  y: number,
  x: number,
  s: number,
  h: number,
  w: number,
): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (!dy && !dx) continue;
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
      const n = score(c, yy, xx);
      if (n > s || (n === s && (dy < 0 || (dy === 0 && dx < 0)))) return false;
    }
  }
  return true;
}

/**
 * The other common CenterNet export: decoding already inside the graph, one output `[1, N, 6]` of
 * x1, y1, x2, y2, score, class — coordinates in input pixels, or normalised 0..1 (`normalised`).
 */
export function decodeBoxList(
  data: Float32Array,
  dims: readonly number[],
  opts: { inputWidth: number; inputHeight: number; scoreThreshold: number; normalised?: boolean },
): Detection[] {
  if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== 6) {
    throw new OutputShapeError(`box list: expected [1, N, 6], got [${dims.join(", ")}]`);
  }
  const n = dims[1] as number;
  const sx = opts.normalised ? opts.inputWidth : 1;
  const sy = opts.normalised ? opts.inputHeight : 1;
  const out: Detection[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * 6;
    const score = data[o + 4] as number;
    if (!(score >= opts.scoreThreshold)) continue;
    out.push({
      x1: (data[o] as number) * sx,
      y1: (data[o + 1] as number) * sy,
      x2: (data[o + 2] as number) * sx,
      y2: (data[o + 3] as number) * sy,
      score,
      classId: Math.round(data[o + 5] as number),
    });
  }
  return out;
}
