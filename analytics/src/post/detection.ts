import type { Rect } from "../pre/letterbox.js";

/** One detected object, in the pixel space of whoever produced it (model input or frame). */
export interface Detection extends Rect {
  score: number;
  classId: number;
}

export function area(r: Rect): number {
  return Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1);
}

export function iou(a: Rect, b: Rect): number {
  const ix = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const iy = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}
