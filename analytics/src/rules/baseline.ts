/**
 * The "clean baseline" of the unclean-area check, pure: a per-pixel median of grey thumbnails of the zone
 * taken while it was clean, with pixels under people left out (a person passing is not clutter), compared
 * after standardising each image robustly (median, MAD) over the zone (a lamp switched on, daylight
 * or auto-exposure changes gain and offset, not structure).
 */

export interface BaselineOptions {
  /** Samples needed before the baseline is usable. */
  samples: number;
  /** A pixel differs when its normalised difference (in standard deviations) exceeds this. */
  pixelThreshold: number;
  /** The zone is unclean when at least this share of its visible pixels differs. */
  areaThreshold: number;
}

export const DEFAULT_BASELINE: BaselineOptions = { samples: 5, pixelThreshold: 1.0, areaThreshold: 0.03 };

/**
 * Robust standardisation over the pixels where mask[i] is 1 (others are left 0): minus the median,
 * divided by the median absolute deviation (× 1.4826, a standard deviation for Gaussian data). Unlike
 * mean and variance, clutter covering less than half of the zone cannot drag the reference.
 */
export function normalise(img: Uint8Array, mask: Uint8Array): Float32Array {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < img.length; i++) {
    if (!mask[i]) continue;
    const v = img[i] as number;
    hist[v] = (hist[v] as number) + 1;
    n++;
  }
  const out = new Float32Array(img.length);
  if (n === 0) return out;
  const med = histMedian(hist, n);
  const dev = new Uint32Array(256);
  for (let v = 0; v < 256; v++) {
    const d = Math.abs(v - med);
    dev[d] = (dev[d] as number) + (hist[v] as number);
  }
  const mad = histMedian(dev, n) * 1.4826 || 1;
  for (let i = 0; i < img.length; i++) if (mask[i]) out[i] = ((img[i] as number) - med) / mad;
  return out;
}

function histMedian(hist: Uint32Array, n: number): number {
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    acc += hist[v] as number;
    if (acc * 2 >= n) return v;
  }
  return 0;
}

/** Per-pixel median of the samples, using only samples where that pixel is visible (valid[s][i] = 1). */
export function medianImage(
  samples: readonly Uint8Array[],
  valid: readonly Uint8Array[],
): { image: Uint8Array; seen: Uint8Array } {
  const len = samples[0]?.length ?? 0;
  const image = new Uint8Array(len);
  const seen = new Uint8Array(len);
  const vals: number[] = [];
  for (let i = 0; i < len; i++) {
    vals.length = 0;
    for (let s = 0; s < samples.length; s++)
      if ((valid[s] as Uint8Array)[i]) vals.push((samples[s] as Uint8Array)[i] as number);
    if (vals.length === 0) continue;
    vals.sort((a, b) => a - b);
    image[i] = vals[vals.length >> 1] as number;
    seen[i] = 1;
  }
  return { image, seen };
}

export interface BaselineVerdict {
  /** The share (0..1) of the zone's visible pixels that differ from the baseline. */
  changed: number;
  /** The zone's pixels that could be compared (not under a person, seen in the baseline). */
  visible: number;
  unclean: boolean;
  /** The changed pixels (1) for drawing a box around them. */
  diff: Uint8Array;
}

/**
 * Compares a thumbnail with the baseline over `zoneMask`, skipping `occluded` pixels (people) and pixels
 * the baseline never saw. Fewer than 20% of the zone visible: no verdict (not unclean).
 */
export function compareToBaseline(
  baseline: Uint8Array,
  baselineSeen: Uint8Array,
  img: Uint8Array,
  zoneMask: Uint8Array,
  occluded: Uint8Array,
  opts: BaselineOptions = DEFAULT_BASELINE,
): BaselineVerdict {
  const usable = new Uint8Array(img.length);
  let zone = 0;
  let visible = 0;
  for (let i = 0; i < img.length; i++) {
    if (!zoneMask[i]) continue;
    zone++;
    if (!occluded[i] && baselineSeen[i]) {
      usable[i] = 1;
      visible++;
    }
  }
  const diff = new Uint8Array(img.length);
  if (zone === 0 || visible < 0.2 * zone) return { changed: 0, visible, unclean: false, diff };
  const a = normalise(baseline, usable);
  const b = normalise(img, usable);
  let changed = 0;
  for (let i = 0; i < img.length; i++) {
    if (!usable[i]) continue;
    if (Math.abs((a[i] as number) - (b[i] as number)) > opts.pixelThreshold) {
      diff[i] = 1;
      changed++;
    }
  }
  const share = changed / visible;
  return { changed: share, visible, unclean: share >= opts.areaThreshold, diff };
}

/** Bounding box (pixel indices of a w×h mask) of the set pixels, or null. */
export function maskBounds(
  mask: Uint8Array,
  w: number,
  h: number,
): { x1: number; y1: number; x2: number; y2: number } | null {
  let x1 = w;
  let y1 = h;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
    }
  }
  return x2 < 0 ? null : { x1, y1, x2: x2 + 1, y2: y2 + 1 };
}
