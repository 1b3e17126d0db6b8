/**
 * The console's overlay on an alert's undrawn frame, laid out in pixels of the displayed picture. Pure.
 *
 * Context boxes (the person, the part a violation is found on) are drawn thin and unlabelled (their label
 * is a tooltip); only violation boxes carry a label, and each label is put where it covers no label placed
 * before it and no violation box: above the box, then below it, then inside its top, left- or right-aligned,
 * else further up or down. With many people side by side (the pedestrian scenes), no two labels cover each
 * other, and a small face or head box stays visible.
 */
import type { AlertView } from "@/api/types";

type Box = AlertView["boxes"][number];

/** Labels of boxes that are not violations: the person and the parts a violation is checked on. */
const CONTEXT_LABELS = new Set(["person", "head", "face", "hand", "left_hand", "right_hand"]);

export const isContextBox = (label: string): boolean => CONTEXT_LABELS.has(label);

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface PlacedBox {
  key: number;
  kind: "context" | "violation";
  rect: Rect;
  /** The label's text and where it goes; context boxes have none (`text` is their tooltip). */
  text: string;
  label: Rect | null;
}

/** Width in pixels of a label at `fontPx`: CJK characters one em, others about 0.6 em, plus padding. */
export function labelWidth(text: string, fontPx: number): number {
  let em = 0;
  for (const ch of text) em += (ch.codePointAt(0) ?? 0) > 0x2e80 ? 1 : 0.6;
  return Math.ceil(em * fontPx) + 8;
}

const overlaps = (a: Rect, b: Rect): boolean =>
  a.left < b.left + b.width &&
  b.left < a.left + a.width &&
  a.top < b.top + b.height &&
  b.top < a.top + a.height;

function clamp(r: Rect, size: { width: number; height: number }): Rect {
  return {
    ...r,
    left: Math.max(0, Math.min(size.width - r.width, r.left)),
    top: Math.max(0, Math.min(size.height - r.height, r.top)),
  };
}

/** Where a label of `w` × `h` may go around box `b`, in order of preference. */
function candidates(b: Rect, w: number, h: number): Array<{ left: number; top: number }> {
  const left = b.left;
  const right = b.left + b.width - w;
  const above = b.top - h;
  const below = b.top + b.height;
  const spots = [
    { left, top: above },
    { left: right, top: above },
    { left, top: below },
    { left: right, top: below },
    { left, top: b.top },
    { left: right, top: b.top },
  ];
  // Further up, then further down: a column of labels over a crowd.
  for (let k = 1; k <= 4; k++) spots.push({ left, top: above - k * h }, { left, top: below + k * h });
  return spots;
}

/**
 * The first spot for a label that covers no label in `taken` and no violation box (its own included: a face
 * at the frame's top edge gets its label below); else the first that covers no label; else the preferred.
 */
function place(
  b: Rect,
  w: number,
  h: number,
  size: { width: number; height: number },
  taken: Rect[],
  boxes: Rect[],
): Rect {
  const spots = candidates(b, w, h).map((s) => clamp({ ...s, width: w, height: h }, size));
  const free = (s: Rect) => !taken.some((t) => overlaps(s, t));
  return spots.find((s) => free(s) && !boxes.some((x) => overlaps(s, x))) ?? spots.find(free) ?? spots[0]!;
}

/**
 * Lays out `boxes` (relative 0–1 coordinates, as `Box` in the contracts) over a picture of `size` pixels.
 * `text` gives each box's label text; labels are `fontPx` high plus 40 % (the CSS line height).
 */
export function layoutOverlay(
  boxes: readonly Box[],
  size: { width: number; height: number },
  text: (b: Box) => string,
  fontPx = 12,
): PlacedBox[] {
  const h = Math.ceil(fontPx * 1.4);
  const placed: PlacedBox[] = boxes.map((b, key) => ({
    key,
    kind: isContextBox(b.label) ? "context" : "violation",
    rect: {
      left: b.x * size.width,
      top: b.y * size.height,
      width: b.w * size.width,
      height: b.h * size.height,
    },
    text: text(b),
    label: null,
  }));
  // Top to bottom, left to right: the labels of a row of people fan out the same way every time.
  const order = placed
    .filter((p) => p.kind === "violation")
    .sort((a, b) => a.rect.top - b.rect.top || a.rect.left - b.rect.left);
  const taken: Rect[] = [];
  const violations = order.map((p) => p.rect);
  for (const p of order) {
    p.label = place(p.rect, labelWidth(p.text, fontPx), h, size, taken, violations);
    taken.push(p.label);
  }
  return placed;
}
