/**
 * The zone editor's geometry, pure: relative (0–1) points, hit tests, dragging with clamping, the rule
 * that closes a polygon, refusal of self-intersecting polygons, rounding and the checks before saving.
 * Distances that depend on what the user sees (a click "on" a vertex) are measured in screen pixels
 * through the drawing's size, so that a handle is as easy to hit on a wide image as on a tall one.
 */

export type Point = [number, number];
export interface Size {
  width: number;
  height: number;
}

/** Vertices of a polygon: at least 3 (the API's `Zone` schema), at most 64. */
export const MIN_POINTS = 3;
export const MAX_POINTS = 64;
export const MAX_ZONES = 32;
/** Relative coordinates are stored with this many decimals (0.1 px on a 1000 px wide image). */
export const DECIMALS = 4;

export const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);

export function round(v: number): number {
  const f = 10 ** DECIMALS;
  return Math.round(v * f) / f;
}

export const roundPoint = (p: Point): Point => [round(clamp01(p[0])), round(clamp01(p[1]))];

/** A pointer position in an element's box → a relative point, clamped to the image. */
export function toRelative(
  clientX: number,
  clientY: number,
  box: { left: number; top: number; width: number; height: number },
): Point {
  if (box.width <= 0 || box.height <= 0) return [0, 0];
  return roundPoint([(clientX - box.left) / box.width, (clientY - box.top) / box.height]);
}

/** Distance between two relative points, in pixels of a drawing of `size`. */
export function pxDistance(a: Point, b: Point, size: Size): number {
  return Math.hypot((a[0] - b[0]) * size.width, (a[1] - b[1]) * size.height);
}

/** Index of the vertex within `radiusPx` of `p` (the nearest), or -1. */
export function hitVertex(points: readonly Point[], p: Point, size: Size, radiusPx: number): number {
  let best = -1;
  let bestD = radiusPx;
  points.forEach((q, i) => {
    const d = pxDistance(q, p, size);
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/** Ray casting; points on the boundary may count either way. */
export function pointInPolygon(p: Point, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i] as Point;
    const [xj, yj] = poly[j] as Point;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Index of the topmost (last drawn) polygon containing `p`, or -1. */
export function hitPolygon(polys: readonly (readonly Point[])[], p: Point): number {
  for (let i = polys.length - 1; i >= 0; i--) if (pointInPolygon(p, polys[i] as Point[])) return i;
  return -1;
}

const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

function onSegment(a: Point, b: Point, p: Point): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

/** Do segments ab and cd touch or cross (collinear overlaps included)? */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (
    (d1 === 0 && onSegment(c, d, a)) ||
    (d2 === 0 && onSegment(c, d, b)) ||
    (d3 === 0 && onSegment(a, b, c)) ||
    (d4 === 0 && onSegment(a, b, d))
  );
}

/** Edges of a chain; a closed polygon also has the edge from its last vertex back to the first. */
function edges(points: readonly Point[], closed: boolean): [Point, Point][] {
  const out: [Point, Point][] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push([points[i] as Point, points[i + 1] as Point]);
  if (closed && points.length >= 3) out.push([points[points.length - 1] as Point, points[0] as Point]);
  return out;
}

/**
 * Does the polygon (closed) or chain (open) cross itself? Adjacent edges share a vertex and are not
 * compared; a repeated vertex counts as a crossing.
 */
export function selfIntersects(points: readonly Point[], closed = true): boolean {
  const e = edges(points, closed);
  const n = e.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (closed && i === 0 && j === n - 1);
      const [a, b] = e[i] as [Point, Point];
      const [c, d] = e[j] as [Point, Point];
      if (adjacent) {
        // Adjacent edges may only share their common vertex: folding back onto each other is a crossing.
        if (cross(a, b, j === i + 1 ? d : c) === 0 && overlapsBeyondJoint(a, b, c, d)) return true;
        continue;
      }
      if (segmentsIntersect(a, b, c, d)) return true;
    }
  }
  return false;
}

/** Two collinear adjacent edges that run back over each other (a spike of zero width). */
function overlapsBeyondJoint(a: Point, b: Point, c: Point, d: Point): boolean {
  const shared = a === c || a === d ? a : b;
  const p = shared === a ? b : a;
  const q = shared === c ? d : c;
  const dot = (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]);
  return dot > 0;
}

/** Signed area (shoelace); 0 for a degenerate polygon. */
export function area(points: readonly Point[]): number {
  let s = 0;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i] as Point;
    const [xj, yj] = points[j] as Point;
    s += (xj + xi) * (yj - yi);
  }
  return s / 2;
}

export type AddResult =
  | { kind: "added"; points: Point[] }
  | { kind: "closed"; points: Point[] }
  | { kind: "refused"; reason: "crossing" | "too_many" | "too_few" | "duplicate" };

/**
 * A click while drawing: on the first vertex (within `radiusPx`) with at least 3 vertices it closes the
 * polygon; otherwise it adds a vertex, unless the new edge would cross the chain drawn so far.
 */
export function addPoint(points: readonly Point[], p: Point, size: Size, radiusPx: number): AddResult {
  const first = points[0];
  if (first && pxDistance(first, p, size) <= radiusPx) return closePolygon(points);
  const last = points[points.length - 1];
  if (last && pxDistance(last, p, size) < 2) return { kind: "refused", reason: "duplicate" };
  if (points.length >= MAX_POINTS) return { kind: "refused", reason: "too_many" };
  const next = [...points, roundPoint(p)];
  if (selfIntersects(next, false)) return { kind: "refused", reason: "crossing" };
  return { kind: "added", points: next };
}

/** Close a chain (the button, or a click on the first vertex): needs 3 vertices and no crossing. */
export function closePolygon(points: readonly Point[]): AddResult {
  if (points.length < MIN_POINTS) return { kind: "refused", reason: "too_few" };
  if (selfIntersects(points, true) || area(points) === 0) return { kind: "refused", reason: "crossing" };
  return { kind: "closed", points: [...points] };
}

/** Move one vertex (clamped to the image); null when the polygon would cross itself. */
export function moveVertex(points: readonly Point[], index: number, p: Point): Point[] | null {
  if (index < 0 || index >= points.length) return null;
  const next = points.map((q, i) => (i === index ? roundPoint(p) : q));
  return selfIntersects(next, true) ? null : next;
}

/** Move a whole polygon by (dx, dy), the shift limited so that every vertex stays inside 0–1. */
export function translate(points: readonly Point[], dx: number, dy: number): Point[] {
  if (points.length === 0) return [];
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const cdx = Math.min(Math.max(dx, -Math.min(...xs)), 1 - Math.max(...xs));
  const cdy = Math.min(Math.max(dy, -Math.min(...ys)), 1 - Math.max(...ys));
  return points.map((p) => roundPoint([p[0] + cdx, p[1] + cdy]));
}

/** Remove a vertex; null when only 3 are left (delete the zone instead) or a crossing would result. */
export function removeVertex(points: readonly Point[], index: number): Point[] | null {
  if (points.length <= MIN_POINTS || index < 0 || index >= points.length) return null;
  const next = points.filter((_, i) => i !== index);
  return selfIntersects(next, true) ? null : next;
}

export interface ZoneLike {
  name: string;
  checks: readonly string[];
  points: readonly Point[];
}

export type ZoneProblem =
  | { index: number; problem: "name_missing" | "name_duplicate" | "too_few" | "too_many" | "crossing" }
  | { index: -1; problem: "too_many_zones" };

/** What stops a set of zones from being saved (empty: fine). */
export function zoneProblems(zones: readonly ZoneLike[]): ZoneProblem[] {
  const out: ZoneProblem[] = [];
  if (zones.length > MAX_ZONES) out.push({ index: -1, problem: "too_many_zones" });
  const seen = new Set<string>();
  zones.forEach((z, index) => {
    const name = z.name.trim();
    if (!name) out.push({ index, problem: "name_missing" });
    else if (seen.has(name)) out.push({ index, problem: "name_duplicate" });
    seen.add(name);
    if (z.points.length < MIN_POINTS) out.push({ index, problem: "too_few" });
    else if (z.points.length > MAX_POINTS) out.push({ index, problem: "too_many" });
    else if (selfIntersects(z.points, true)) out.push({ index, problem: "crossing" });
  });
  return out;
}

/** A zone as the API takes it: trimmed name, rounded points inside 0–1. */
export function forSaving<Z extends ZoneLike>(z: Z): { name: string; checks: string[]; points: Point[] } {
  return { name: z.name.trim(), checks: [...z.checks], points: z.points.map(roundPoint) };
}

/** A name not yet used: 区域1, 区域2, … (the prefix comes from the message file). */
export function nextZoneName(prefix: string, zones: readonly ZoneLike[]): string {
  const names = new Set(zones.map((z) => z.name));
  for (let i = 1; ; i++) if (!names.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/** Privacy masks (隐私遮挡): at most 16 polygons, blurred into the public stream only. */
export const MAX_MASKS = 16;

export type MaskProblem =
  | { index: number; problem: "too_few" | "too_many" | "crossing" }
  | { index: -1; problem: "too_many_masks" };

/** What stops a set of privacy masks from being saved (empty: fine). */
export function maskProblems(masks: readonly (readonly Point[])[]): MaskProblem[] {
  const out: MaskProblem[] = [];
  if (masks.length > MAX_MASKS) out.push({ index: -1, problem: "too_many_masks" });
  masks.forEach((points, index) => {
    if (points.length < MIN_POINTS) out.push({ index, problem: "too_few" });
    else if (points.length > MAX_POINTS) out.push({ index, problem: "too_many" });
    else if (selfIntersects(points, true)) out.push({ index, problem: "crossing" });
  });
  return out;
}

/** Masks as the API takes them: rounded points inside 0–1. */
export function masksForSaving(masks: readonly (readonly Point[])[]): Point[][] {
  return masks.map((points) => points.map(roundPoint));
}
