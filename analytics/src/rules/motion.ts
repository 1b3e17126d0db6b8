/**
 * Motion gating by frame differencing on a small grey thumbnail (Frigate does the same before it runs
 * a detector). Each thumbnail is normalised to its own mean brightness first, so a light switched on or a
 * camera's auto-exposure does not count as motion; what remains is the share of pixels that changed.
 */

export interface MotionOptions {
  /** A pixel changed when its normalised difference exceeds this (0..255 scale). */
  pixelThreshold: number;
  /** Motion when at least this share of pixels (0..1) changed. */
  areaThreshold: number;
}

export const DEFAULT_MOTION: MotionOptions = { pixelThreshold: 25, areaThreshold: 0.005 };

function mean(a: Uint8Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length ? s / a.length : 0;
}

/** The share (0..1) of pixels that differ between two grey thumbnails of the same size. */
export function changedFraction(prev: Uint8Array, cur: Uint8Array, pixelThreshold: number): number {
  if (prev.length !== cur.length) throw new RangeError("thumbnails differ in size");
  if (cur.length === 0) return 0;
  const shift = mean(cur) - mean(prev);
  let changed = 0;
  for (let i = 0; i < cur.length; i++) {
    if (Math.abs((cur[i] as number) - (prev[i] as number) - shift) > pixelThreshold) changed++;
  }
  return changed / cur.length;
}

/** Is there motion between two thumbnails? No previous thumbnail (first frame) counts as motion. */
export function hasMotion(
  prev: Uint8Array | undefined,
  cur: Uint8Array,
  opts: MotionOptions = DEFAULT_MOTION,
): boolean {
  if (!prev || prev.length !== cur.length) return true;
  return changedFraction(prev, cur, opts.pixelThreshold) >= opts.areaThreshold;
}
