/**
 * Camera tampering, pure: a camera's view against its own learned reference. Three kinds:
 *
 * - covered (遮挡): the picture went near-uniform or dark — most of the blocks that had texture in the
 *   reference are flat now (a hand, a cloth, a cap, spray paint), or the whole frame is dark;
 * - moved (移位): the scene's structure no longer lines up with the reference — the edge map (gradient
 *   magnitude at a quarter of the thumbnail's resolution, smoothed) correlates poorly with the reference's even
 *   after the best small shift (vibration, a few pixels, is tolerated);
 * - defocused (失焦): sharpness (the strongest gradients over the picture's spread) far below the reference's while
 *   the structure still lines up at low resolution.
 *
 * Every figure is a ratio or a correlation, so a change of light (gain and offset: daylight, a camera's
 * auto-exposure) changes none of them; people passing are taken out of the reference by a per-pixel median
 * over its samples, and move few edges of a whole frame.
 */

import { medianImage } from "./baseline.js";

export interface TamperOptions {
  /** Clean samples the reference is learned from. */
  samples: number;
  /** Covered when at least this share of the reference's textured blocks is flat. */
  coverShare: number;
  /** Moved when the best edge-map correlation (after a shift of up to `maxShift` px) is below this. */
  minAlignment: number;
  /** Defocused when sharpness falls below this fraction of the reference's. */
  minSharpness: number;
  /** The largest shift (edge-map pixels: a quarter of the thumbnail's) tried before calling it moved. */
  maxShift: number;
}

export const DEFAULT_TAMPER: TamperOptions = {
  samples: 5,
  coverShare: 0.75,
  minAlignment: 0.55,
  minSharpness: 0.65,
  maxShift: 3,
};

/** The grid of blocks the flatness is judged on. */
export const TAMPER_GRID = { x: 8, y: 6 } as const;

/** A block is textured (in the reference) from this standard deviation, in grey levels. */
const TEXTURED_STD = 3;
/** A block is flat when its deviation is under this share of the reference block's (or under 1.5 levels). */
const FLAT_RATIO = 0.2;
/** Dark: mean under this while the reference's mean is at least DARK_REF. */
const DARK_MEAN = 14;
const DARK_REF = 40;
/** A frame this uniform (standard deviation, grey levels) is never learned as a reference. */
const MIN_LEARN_STD = 6;

/** What the checks need of one grey frame. */
export interface FrameFeatures {
  mean: number;
  std: number;
  /** Standard deviation per block of TAMPER_GRID, row-major. */
  blockStd: Float32Array;
  /** Mean absolute gradient over the standard deviation (brightness-free). */
  sharpness: number;
  /** Smoothed gradient magnitude at half resolution. */
  edges: Float32Array;
  edgeWidth: number;
  edgeHeight: number;
}

export interface TamperReference {
  width: number;
  height: number;
  /** Per-pixel median of the samples (people passing removed): the picture shown in evidence. */
  image: Uint8Array;
  features: FrameFeatures;
}

export interface TamperMeasure {
  /** Share of the reference's textured blocks that are flat now (0..1). */
  flatShare: number;
  dark: boolean;
  /** Best Pearson correlation of the edge maps over the small shifts (−1..1). */
  alignment: number;
  /** Sharpness over the reference's. */
  sharpness: number;
}

export type TamperKind = "camera_covered" | "camera_moved" | "camera_defocused";

export interface TamperVerdict {
  kind: TamperKind | null;
  /** 0..1, how far past its threshold the figure is (1: as far as it can be). */
  score: number;
  measure: TamperMeasure;
}

function meanStd(img: Uint8Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const v of img) {
    s += v;
    s2 += v * v;
  }
  const n = Math.max(1, img.length);
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

function blockStds(img: Uint8Array, w: number, h: number): Float32Array {
  const gx = TAMPER_GRID.x;
  const gy = TAMPER_GRID.y;
  const sum = new Float64Array(gx * gy);
  const sum2 = new Float64Array(gx * gy);
  const cnt = new Float64Array(gx * gy);
  for (let y = 0; y < h; y++) {
    const by = Math.min(gy - 1, Math.floor((y * gy) / h));
    for (let x = 0; x < w; x++) {
      const b = by * gx + Math.min(gx - 1, Math.floor((x * gx) / w));
      const v = img[y * w + x] as number;
      sum[b] = (sum[b] as number) + v;
      sum2[b] = (sum2[b] as number) + v * v;
      cnt[b] = (cnt[b] as number) + 1;
    }
  }
  const out = new Float32Array(gx * gy);
  for (let b = 0; b < out.length; b++) {
    const n = Math.max(1, cnt[b] as number);
    const m = (sum[b] as number) / n;
    out[b] = Math.sqrt(Math.max(0, (sum2[b] as number) / n - m * m));
  }
  return out;
}

/** The share of the strongest gradients the sharpness is the mean of: edges, not noise. */
const SHARP_TOP = 0.05;

/**
 * Sharpness: the mean of the strongest 5 % of the central-difference gradients (|dx| + |dy|), over the
 * frame's standard deviation (at least 1). The strongest gradients are the scene's edges, which a
 * defocus flattens; sensor and compression noise only lifts the weak ones.
 */
function sharpnessOf(img: Uint8Array, w: number, h: number, std: number): number {
  const hist = new Uint32Array(1021);
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const g =
        Math.abs((img[i + 1] as number) - (img[i - 1] as number)) +
        Math.abs((img[i + w] as number) - (img[i - w] as number));
      hist[g] = (hist[g] as number) + 1;
      n++;
    }
  }
  const want = Math.max(1, Math.round(n * SHARP_TOP));
  let got = 0;
  let sum = 0;
  for (let g = hist.length - 1; g >= 0 && got < want; g--) {
    const take = Math.min(hist[g] as number, want - got);
    got += take;
    sum += take * g;
  }
  return n ? sum / want / Math.max(1, std) : 0;
}

/** 2×2 average → gradient magnitude → 3×3 box: structure at a scale that focus and noise barely touch. */
function edgeMap(img: Uint8Array, w: number, h: number): { edges: Float32Array; ew: number; eh: number } {
  const ew = Math.floor(w / 2);
  const eh = Math.floor(h / 2);
  const small = new Float32Array(ew * eh);
  for (let y = 0; y < eh; y++)
    for (let x = 0; x < ew; x++) {
      const i = 2 * y * w + 2 * x;
      small[y * ew + x] =
        ((img[i] as number) + (img[i + 1] as number) + (img[i + w] as number) + (img[i + w + 1] as number)) /
        4;
    }
  const grad = new Float32Array(ew * eh);
  for (let y = 1; y < eh - 1; y++)
    for (let x = 1; x < ew - 1; x++) {
      const i = y * ew + x;
      const dx = (small[i + 1] as number) - (small[i - 1] as number);
      const dy = (small[i + ew] as number) - (small[i - ew] as number);
      grad[i] = Math.sqrt(dx * dx + dy * dy);
    }
  const edges = new Float32Array(ew * eh);
  for (let y = 1; y < eh - 1; y++)
    for (let x = 1; x < ew - 1; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) s += grad[(y + dy) * ew + x + dx] as number;
      edges[y * ew + x] = s / 9;
    }
  return { edges, ew, eh };
}

/** 2×2 average: the thumbnail at half its size. */
export function halve(img: Uint8Array, w: number, h: number): Uint8Array {
  const hw = Math.floor(w / 2);
  const hh = Math.floor(h / 2);
  const out = new Uint8Array(hw * hh);
  for (let y = 0; y < hh; y++)
    for (let x = 0; x < hw; x++) {
      const i = 2 * y * w + 2 * x;
      out[y * hw + x] =
        ((img[i] as number) +
          (img[i + 1] as number) +
          (img[i + w] as number) +
          (img[i + w + 1] as number) +
          2) >>
        2;
    }
  return out;
}

/**
 * The features of a frame's tamper thumbnail (`w`×`h`, e.g. 320×240): sharpness at that size (a blur of a
 * few pixels shows there), the rest on the half-size picture (`small`, what a reference keeps).
 */
export function frameFeatures(img: Uint8Array, w: number, h: number): FrameFeatures & { small: Uint8Array } {
  const full = meanStd(img);
  const small = halve(img, w, h);
  const f = structureFeatures(small, Math.floor(w / 2), Math.floor(h / 2));
  return { ...f, sharpness: sharpnessOf(img, w, h, full.std), small };
}

/** Mean, spread, block texture and edges of a half-size picture (sharpness left 0). */
export function structureFeatures(img: Uint8Array, w: number, h: number): FrameFeatures {
  const { mean, std } = meanStd(img);
  const { edges, ew, eh } = edgeMap(img, w, h);
  return { mean, std, blockStd: blockStds(img, w, h), sharpness: 0, edges, edgeWidth: ew, edgeHeight: eh };
}

/** May this frame become part of a reference? Not a uniform or dark one (a camera covered from the start). */
export function learnable(f: FrameFeatures): boolean {
  return f.std >= MIN_LEARN_STD && f.mean >= DARK_MEAN;
}

/** One learned sample: the half-size picture and the frame's sharpness. */
export interface TamperSample {
  image: Uint8Array;
  sharpness: number;
}

/**
 * The reference from its samples (half-size pictures, `w`×`h`): the median picture's structure (edges,
 * block texture), and the median of the samples' own sharpness (measured on each frame at full size).
 */
export function buildReference(samples: readonly TamperSample[], w: number, h: number): TamperReference {
  const { image } = medianImage(samples.map((s) => s.image));
  const features = structureFeatures(image, w, h);
  const sharp = samples.map((s) => s.sharpness).sort((a, b) => a - b);
  features.sharpness = sharp[sharp.length >> 1] ?? 0;
  return { width: w, height: h, image, features };
}

/** Pearson correlation of a and b over the overlap when b is shifted by (sx, sy). */
function correlationAt(
  a: Float32Array,
  b: Float32Array,
  w: number,
  h: number,
  sx: number,
  sy: number,
): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  // Leave out the 2-pixel border, where the edge map is zero by construction.
  for (let y = Math.max(2, 2 - sy); y < Math.min(h - 2, h - 2 - sy); y++) {
    for (let x = Math.max(2, 2 - sx); x < Math.min(w - 2, w - 2 - sx); x++) {
      const va = a[y * w + x] as number;
      const vb = b[(y + sy) * w + x + sx] as number;
      n++;
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  }
  if (n < 16) return 0;
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 1e-9 && vb > 1e-9 ? cov / Math.sqrt(va * vb) : 0;
}

/** The best edge-map correlation over shifts of up to `maxShift` in each direction. */
export function alignment(ref: FrameFeatures, cur: FrameFeatures, maxShift: number): number {
  let best = -1;
  for (let sy = -maxShift; sy <= maxShift; sy++)
    for (let sx = -maxShift; sx <= maxShift; sx++) {
      const c = correlationAt(ref.edges, cur.edges, ref.edgeWidth, ref.edgeHeight, sx, sy);
      if (c > best) best = c;
    }
  return best;
}

/** How far the frame is from the reference, by each figure. */
export function measureTamper(ref: TamperReference, cur: FrameFeatures, opts: TamperOptions): TamperMeasure {
  const r = ref.features;
  let textured = 0;
  let flat = 0;
  for (let b = 0; b < r.blockStd.length; b++) {
    const rs = r.blockStd[b] as number;
    if (rs < TEXTURED_STD) continue;
    textured++;
    if ((cur.blockStd[b] as number) < Math.max(1.5, FLAT_RATIO * rs)) flat++;
  }
  return {
    flatShare: textured ? flat / textured : 0,
    dark: cur.mean < DARK_MEAN && r.mean >= DARK_REF,
    alignment: alignment(r, cur, opts.maxShift),
    sharpness: r.sharpness > 0 ? cur.sharpness / r.sharpness : 1,
  };
}

/**
 * The verdict on one frame: covered first (a covered lens also looks moved and blurred), then moved (the
 * structure is gone; sharpness of another view says nothing), then defocused (the structure is still
 * there at low resolution, its detail is not).
 */
export function judgeTamper(ref: TamperReference, cur: FrameFeatures, opts = DEFAULT_TAMPER): TamperVerdict {
  const m = measureTamper(ref, cur, opts);
  if (m.dark || m.flatShare >= opts.coverShare) {
    const score = m.dark
      ? 1
      : 0.5 + (0.5 * (m.flatShare - opts.coverShare)) / Math.max(1e-6, 1 - opts.coverShare);
    return { kind: "camera_covered", score: Math.min(1, score), measure: m };
  }
  if (m.alignment < opts.minAlignment) {
    const score = 0.5 + (0.5 * (opts.minAlignment - m.alignment)) / Math.max(1e-6, opts.minAlignment + 1);
    return { kind: "camera_moved", score: Math.min(1, score), measure: m };
  }
  if (m.sharpness < opts.minSharpness) {
    const score = 0.5 + (0.5 * (opts.minSharpness - m.sharpness)) / Math.max(1e-6, opts.minSharpness);
    return { kind: "camera_defocused", score: Math.min(1, score), measure: m };
  }
  return { kind: null, score: 0, measure: m };
}

/**
 * May a frame judged untampered refresh the reference (slow drift: daylight, a chair moved)? Only when it
 * is comfortably inside every limit, so that a camera being turned slowly is not followed step by step.
 */
export function refreshable(m: TamperMeasure, opts = DEFAULT_TAMPER): boolean {
  return (
    !m.dark &&
    m.flatShare < opts.coverShare / 3 &&
    m.alignment >= Math.min(0.95, opts.minAlignment + 0.15) &&
    m.sharpness >= Math.min(0.95, opts.minSharpness + 0.2)
  );
}
