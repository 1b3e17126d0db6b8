/**
 * Greedy non-maximum suppression: keep the best box, drop those overlapping it by more than the IoU
 * threshold, repeat. Per class (boxes of different classes never suppress each other) or class-agnostic.
 */
import { type Detection, iou } from "./detection.js";

export interface NmsOptions {
  iouThreshold: number;
  /** true: one box suppresses another whatever their classes. */
  agnostic?: boolean;
  maxDetections?: number;
}

export function nms<T extends Detection>(dets: readonly T[], opts: NmsOptions): T[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  const max = opts.maxDetections ?? Number.POSITIVE_INFINITY;
  const suppressed = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length && kept.length < max; i++) {
    if (suppressed[i]) continue;
    const a = sorted[i] as T;
    kept.push(a);
    for (let j = i + 1; j < sorted.length; j++) {
      if (suppressed[j]) continue;
      const b = sorted[j] as T;
      if (!opts.agnostic && a.classId !== b.classId) continue;
      if (iou(a, b) > opts.iouThreshold) suppressed[j] = 1;
    }
  }
  return kept;
}
