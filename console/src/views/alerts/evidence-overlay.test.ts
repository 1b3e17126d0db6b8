import { describe, expect, it } from "vitest";
import { labelWidth, layoutOverlay, type Rect } from "./evidence-overlay";

const SIZE = { width: 640, height: 480 };
const text = (b: { label: string; score: number }) =>
  `${{ person: "人员", no_hat: "未戴工作帽", no_mask: "未戴口罩" }[b.label] ?? b.label} ${Math.round(b.score * 100)}%`;
const overlaps = (a: Rect, b: Rect) =>
  a.left < b.left + b.width &&
  b.left < a.left + a.width &&
  a.top < b.top + b.height &&
  b.top < a.top + a.height;
const inside = (r: Rect) => r.left >= 0 && r.top >= 0 && r.left + r.width <= 640 && r.top + r.height <= 480;

describe("the overlay on an alert's undrawn frame", () => {
  it("labels violations only, above their box; a person box is thin context with its label as a tooltip", () => {
    const placed = layoutOverlay(
      [
        { x: 0.6, y: 0.4, w: 0.13, h: 0.5, label: "person", score: 0.55 },
        { x: 0.65, y: 0.42, w: 0.05, h: 0.07, label: "no_mask", score: 0.84 },
      ],
      SIZE,
      text,
    );
    expect(placed[0]).toMatchObject({ kind: "context", label: null, text: "人员 55%" });
    expect(placed[1]!.kind).toBe("violation");
    const label = placed[1]!.label!;
    expect(label.top + label.height).toBeCloseTo(0.42 * 480); // right above the face box
    expect(label.left).toBeCloseTo(0.65 * 640);
    expect(label.width).toBe(labelWidth("未戴口罩 84%", 12));
  });

  it("never lets two violation labels cover each other in a row of heads, and keeps them in the picture", () => {
    // Six heads side by side, closer than a label is wide (the pedestrian scenes), one at the top edge.
    const heads = Array.from({ length: 6 }, (_, i) => ({
      x: 0.3 + i * 0.04,
      y: i === 5 ? 0 : 0.3 + (i % 2) * 0.01,
      w: 0.03,
      h: 0.05,
      label: "no_hat",
      score: 0.9 + i / 100,
    }));
    const persons = heads.map((h) => ({ ...h, y: h.y, h: 0.4, w: 0.05, label: "person", score: 0.6 }));
    const placed = layoutOverlay([...persons, ...heads], SIZE, text);
    const labels = placed.flatMap((p) => (p.label ? [p.label] : []));
    expect(labels).toHaveLength(6);
    for (const [i, a] of labels.entries()) {
      expect(inside(a)).toBe(true);
      for (const b of labels.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    }
  });

  it("puts the label of a box at the frame's top edge below it rather than over it", () => {
    const face = { x: 0.55, y: 0, w: 0.04, h: 0.03, label: "no_mask", score: 0.81 };
    const [p] = layoutOverlay([face], SIZE, text);
    expect(p!.label!.top).toBeCloseTo(0.03 * 480);
    expect(overlaps(p!.label!, p!.rect)).toBe(false);
  });

  it("measures Chinese characters one em and digits less", () => {
    expect(labelWidth("未戴口罩", 12)).toBe(48 + 8);
    expect(labelWidth("84%", 10)).toBe(18 + 8);
  });
});
