/**
 * The wall's tiles as plain data: which layouts exist and how they are drawn, which cameras a page of
 * the wall shows, and where a camera picked in the tree goes (the selected tile, or the next free one).
 * The wall is an ordered list of camera ids; page p of a layout of n tiles shows items p·n … p·n+n−1.
 */
export const LAYOUTS = [1, 4, 6, 9, 16] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Most cameras a wall keeps (a tour of 4 pages of 16). */
export const MAX_WALL = 64;

export function isLayout(n: unknown): n is Layout {
  return (LAYOUTS as readonly unknown[]).includes(n);
}

export interface GridSpec {
  columns: number;
  rows: number;
  /** Grid-area spans for the first tile (the large one of the 6-split), else undefined. */
  firstSpan?: number;
}

/** 1 = 1×1, 4 = 2×2, 9 = 3×3, 16 = 4×4; 6 = 3×3 with the first tile over 2×2 (one large, five small). */
export function gridOf(layout: Layout): GridSpec {
  if (layout === 6) return { columns: 3, rows: 3, firstSpan: 2 };
  const side = Math.sqrt(layout);
  return { columns: side, rows: side };
}

export function pageCount(cameras: readonly number[], layout: Layout): number {
  return Math.max(1, Math.ceil(cameras.length / layout));
}

/** The page's tiles: a camera id or null for an empty tile, always `layout` of them. */
export function pageTiles(cameras: readonly number[], layout: Layout, page: number): (number | null)[] {
  const start = clampPage(cameras, layout, page) * layout;
  return Array.from({ length: layout }, (_, i) => cameras[start + i] ?? null);
}

export function clampPage(cameras: readonly number[], layout: Layout, page: number): number {
  return Math.min(Math.max(0, Math.floor(page)), pageCount(cameras, layout) - 1);
}

/** The page on which a camera of the wall is, or -1. */
export function pageOf(cameras: readonly number[], layout: Layout, cameraId: number): number {
  const i = cameras.indexOf(cameraId);
  return i < 0 ? -1 : Math.floor(i / layout);
}

export interface Placement {
  cameras: number[];
  /** Page that shows the camera now. */
  page: number;
  /** Index of its tile on that page. */
  tile: number;
}

/**
 * Puts a camera on the wall. A camera already there stays where it is (the wall shows its page). With a
 * selected tile (index on the current page): an occupied tile is replaced, an empty one takes the
 * camera at the end of the list (tiles fill in order). Without one: the next free tile of the current
 * page, else the end of the list. Returns null when the wall is full.
 */
export function place(
  cameras: readonly number[],
  layout: Layout,
  page: number,
  cameraId: number,
  selected: number | null,
): Placement | null {
  const at = cameras.indexOf(cameraId);
  if (at >= 0) return { cameras: [...cameras], page: Math.floor(at / layout), tile: at % layout };
  const p = clampPage(cameras, layout, page);
  const next = [...cameras];
  if (selected !== null && selected >= 0 && selected < layout) {
    const index = p * layout + selected;
    if (index < next.length) {
      next[index] = cameraId;
      return { cameras: next, page: p, tile: selected };
    }
  }
  if (next.length >= MAX_WALL) return null;
  next.push(cameraId);
  const index = next.length - 1;
  return { cameras: next, page: Math.floor(index / layout), tile: index % layout };
}

/** Takes a camera off the wall; the following ones move up a tile. */
export function removeCamera(cameras: readonly number[], cameraId: number): number[] {
  return cameras.filter((c) => c !== cameraId);
}

/** Keeps only cameras that still exist and may be seen, once each, at most MAX_WALL. */
export function sanitize(cameras: readonly unknown[], visible: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (const c of cameras)
    if (typeof c === "number" && visible.has(c) && !out.includes(c) && out.length < MAX_WALL) out.push(c);
  return out;
}

/** A first wall for a user who has chosen nothing yet: online cameras first, then the other enabled ones. */
export function defaultWall(
  cameras: readonly { id: number; enabled: boolean }[],
  online: ReadonlySet<number>,
  layout: Layout,
): number[] {
  const enabled = cameras.filter((c) => c.enabled);
  const first = [...enabled.filter((c) => online.has(c.id)), ...enabled.filter((c) => !online.has(c.id))];
  return first.slice(0, layout).map((c) => c.id);
}
