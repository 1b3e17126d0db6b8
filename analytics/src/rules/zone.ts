/**
 * Zones: polygons in normalised frame coordinates (0..1, from the top-left), as drawn in the console and
 * stored in `cameras.zones`. Pure geometry.
 */
import type { Rect } from "../pre/letterbox.js";

export type Point = readonly [number, number];
export interface Zone {
  name: string;
  points: readonly Point[];
}

/** Even-odd ray casting; points on an edge count as inside. */
export function pointInPolygon(p: Point, poly: readonly Point[]): boolean {
  if (poly.length < 3) return false;
  const [x, y] = p;
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i] as Point;
    const [xj, yj] = poly[j] as Point;
    if (onSegment(x, y, xi, yi, xj, yj)) return true;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function onSegment(x: number, y: number, x1: number, y1: number, x2: number, y2: number): boolean {
  const cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1);
  if (Math.abs(cross) > 1e-12) return false;
  return (
    x >= Math.min(x1, x2) - 1e-12 &&
    x <= Math.max(x1, x2) + 1e-12 &&
    y >= Math.min(y1, y2) - 1e-12 &&
    y <= Math.max(y1, y2) + 1e-12
  );
}

/**
 * The fraction of a box (normalised coordinates) that lies inside a polygon, estimated on an n×n grid
 * of sample points (n = 8: 1/64 resolution, enough to tell "in the zone" from "beside it").
 */
export function boxInPolygonFraction(box: Rect, poly: readonly Point[], n = 8): number {
  let inside = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = box.x1 + ((i + 0.5) / n) * (box.x2 - box.x1);
      const y = box.y1 + ((j + 0.5) / n) * (box.y2 - box.y1);
      if (pointInPolygon([x, y], poly)) inside++;
    }
  }
  return inside / (n * n);
}

/**
 * Is a box (normalised) in the zone? `anchor` chooses the test: "center" (the box centre),
 * "bottom" (the bottom centre: where a person stands), or "overlap" (at least `minOverlap` of the box).
 */
export function boxInZone(
  box: Rect,
  zone: Zone,
  anchor: "center" | "bottom" | "overlap" = "center",
  minOverlap = 0.3,
): boolean {
  const cx = (box.x1 + box.x2) / 2;
  if (anchor === "center") return pointInPolygon([cx, (box.y1 + box.y2) / 2], zone.points);
  if (anchor === "bottom") return pointInPolygon([cx, box.y2], zone.points);
  return boxInPolygonFraction(box, zone.points) >= minOverlap;
}

/** A boolean mask (row-major, w×h) of the pixels whose centres lie inside the polygon. */
export function polygonMask(poly: readonly Point[], w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (pointInPolygon([(x + 0.5) / w, (y + 0.5) / h], poly)) mask[y * w + x] = 1;
    }
  }
  return mask;
}

/** The bounding rect (normalised) of a polygon. */
export function polygonBounds(poly: readonly Point[]): Rect {
  const xs = poly.map((p) => p[0]);
  const ys = poly.map((p) => p[1]);
  return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
}
