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

export const DEFAULT_BASELINE: BaselineOptions = { samples: 5, pixelThreshold: 1.0, areaThreshold: 0.02 };

/**
 * The smallest spread (grey levels) a zone is standardised by. A plain floor varies by a grey level or
 * two, so dividing by its own spread made JPEG noise of ±3 levels count as 1.5–30 % of a clean zone
 * changed (found making the demo's drawn workshops); below this spread, differences are measured against
 * the noise a camera's compression makes anyway.
 */
export const MIN_SPREAD = 4;

/**
 * Robust standardisation over the pixels where mask[i] is 1 (others are left 0): minus the median,
 * divided by the median absolute deviation (× 1.4826, a standard deviation for Gaussian data). Unlike
 * mean and variance, clutter covering less than half of the zone cannot drag the reference.
 */
export function normalise(img: Uint8Array, mask: Uint8Array): Float32Array {
  const out = new Float32Array(img.length);
  const { median, mad, n } = robustStats(img, mask);
  if (n === 0) return out;
  const spread = Math.max(mad * 1.4826, MIN_SPREAD);
  for (let i = 0; i < img.length; i++) if (mask[i]) out[i] = ((img[i] as number) - median) / spread;
  return out;
}

/** Median and median absolute deviation (unscaled) over the masked pixels, and how many there were. */
export function robustStats(img: Uint8Array, mask: Uint8Array): { median: number; mad: number; n: number } {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < img.length; i++) {
    if (!mask[i]) continue;
    const v = img[i] as number;
    hist[v] = (hist[v] as number) + 1;
    n++;
  }
  if (n === 0) return { median: 0, mad: 0, n };
  const median = histMedian(hist, n);
  const dev = new Uint32Array(256);
  for (let v = 0; v < 256; v++) {
    const d = Math.abs(v - median);
    dev[d] = (dev[d] as number) + (hist[v] as number);
  }
  return { median, mad: histMedian(dev, n), n };
}

function histMedian(hist: Uint32Array, n: number): number {
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    acc += hist[v] as number;
    if (acc * 2 >= n) return v;
  }
  return 0;
}

/**
 * Per-pixel median of the samples, using only samples where that pixel is visible (valid[s][i] = 1; no
 * `valid`: every sample at every pixel).
 */
export function medianImage(
  samples: readonly Uint8Array[],
  valid?: readonly Uint8Array[],
): { image: Uint8Array; seen: Uint8Array } {
  const len = samples[0]?.length ?? 0;
  const image = new Uint8Array(len);
  const seen = new Uint8Array(len);
  const vals: number[] = [];
  for (let i = 0; i < len; i++) {
    vals.length = 0;
    for (let s = 0; s < samples.length; s++)
      if (!valid || (valid[s] as Uint8Array)[i]) vals.push((samples[s] as Uint8Array)[i] as number);
    if (vals.length === 0) continue;
    vals.sort((a, b) => a - b);
    image[i] = vals[vals.length >> 1] as number;
    seen[i] = 1;
  }
  return { image, seen };
}

export interface BaselineVerdict {
  /** The share (0..1) of the zone's visible pixels that differ from the baseline, in patches. */
  changed: number;
  /** The zone's pixels that could be compared (not under a person, seen in the baseline). */
  visible: number;
  unclean: boolean;
  /** The changed pixels (1) that form patches (after a 3×3 opening), for drawing a box around them. */
  diff: Uint8Array;
}

/**
 * Compares a thumbnail (`width` pixels wide) with the baseline over `zoneMask`, skipping `occluded` pixels (people), pixels
 * the baseline never saw, and pixels that clipped the way the light changed. Fewer than 20% of the zone visible: no verdict (not unclean).
 */
export function compareToBaseline(
  baseline: Uint8Array,
  baselineSeen: Uint8Array,
  img: Uint8Array,
  zoneMask: Uint8Array,
  occluded: Uint8Array,
  opts: BaselineOptions = DEFAULT_BASELINE,
  width = Math.round(Math.sqrt((img.length * 4) / 3)),
): BaselineVerdict {
  const usable = new Uint8Array(img.length);
  let zone = 0;
  let visible = 0;
  for (let i = 0; i < img.length; i++) {
    if (!zoneMask[i]) continue;
    zone++;
    if (!occluded[i] && baselineSeen[i]) usable[i] = 1;
  }
  // A pixel clipped in the frame (0–4, 251–255) where the change of light alone would clip it says only
  // "the light changed": leave it out. The light's change is the robust linear map from the baseline's
  // median and spread to the frame's. Clipped where the light would not clip (white paper on a grey
  // floor) is a real change and stays.
  const sa = robustStats(baseline, usable);
  const sb = robustStats(img, usable);
  const gain = sa.mad > 0 ? sb.mad / sa.mad : 1;
  for (let i = 0; i < img.length; i++) {
    if (!usable[i]) continue;
    const b = img[i] as number;
    const base = baseline[i] as number;
    const predicted = sb.median + (base - sa.median) * gain;
    if ((b >= 251 && predicted >= 246) || (b <= 4 && predicted <= 9) || base >= 251 || base <= 4)
      usable[i] = 0;
    else visible++;
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
  // Scattered differences (noise, lighting, compression) are specks; clutter is a patch: keep patches.
  const opened = open3x3(diff, width, Math.floor(img.length / width));
  changed = 0;
  for (const v of opened) changed += v;
  const share = changed / visible;
  return { changed: share, visible, unclean: share >= opts.areaThreshold, diff: opened };
}

/** Morphological opening with a 3×3 square (erode, then dilate): drops specks and thin slivers. */
export function open3x3(mask: Uint8Array, w: number, h: number): Uint8Array {
  const pass = (src: Uint8Array, keep: (n: number) => boolean) => {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && xx >= 0 && yy < h && xx < w && src[yy * w + xx]) n++;
          }
        }
        out[y * w + x] = keep(n) ? 1 : 0;
      }
    }
    return out;
  };
  const eroded = pass(mask, (n) => n === 9);
  return pass(eroded, (n) => n > 0).map((v, i) => v & (mask[i] as number));
}

/** Pixel count of the largest 4-connected component of a mask. */
export function largestBlob(mask: Uint8Array, w: number, h: number): number {
  const seen = new Uint8Array(mask.length);
  const stack: number[] = [];
  let best = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || seen[i]) continue;
    let size = 0;
    stack.push(i);
    seen[i] = 1;
    while (stack.length) {
      const j = stack.pop() as number;
      size++;
      const x = j % w;
      const y = (j - x) / w;
      for (const k of [
        x > 0 ? j - 1 : -1,
        x < w - 1 ? j + 1 : -1,
        y > 0 ? j - w : -1,
        y < h - 1 ? j + w : -1,
      ]) {
        if (k >= 0 && mask[k] && !seen[k]) {
          seen[k] = 1;
          stack.push(k);
        }
      }
    }
    if (size > best) best = size;
  }
  return best;
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
