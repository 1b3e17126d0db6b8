import { describe, expect, it } from "vitest";
import {
  addPoint,
  closePolygon,
  hitPolygon,
  hitVertex,
  MAX_MASKS,
  maskProblems,
  masksForSaving,
  moveVertex,
  nextZoneName,
  type Point,
  pointInPolygon,
  removeVertex,
  round,
  roundPoint,
  segmentsIntersect,
  selfIntersects,
  toRelative,
  translate,
  zoneProblems,
} from "./zone-geometry";

const size = { width: 1000, height: 500 };
const square: Point[] = [
  [0.2, 0.2],
  [0.6, 0.2],
  [0.6, 0.6],
  [0.2, 0.6],
];
const bowtie: Point[] = [
  [0.2, 0.2],
  [0.6, 0.6],
  [0.6, 0.2],
  [0.2, 0.6],
];

describe("rounding and conversion", () => {
  it("rounds to 4 decimals and clamps to 0–1", () => {
    expect(round(0.123456)).toBe(0.1235);
    expect(roundPoint([-0.2, 1.7])).toEqual([0, 1]);
  });
  it("turns a pointer position into a relative point of the element's box", () => {
    const box = { left: 100, top: 50, width: 800, height: 400 };
    expect(toRelative(500, 250, box)).toEqual([0.5, 0.5]);
    expect(toRelative(50, 900, box)).toEqual([0, 1]);
    expect(toRelative(1, 1, { left: 0, top: 0, width: 0, height: 0 })).toEqual([0, 0]);
  });
});

describe("hit tests", () => {
  it("finds a point inside a polygon, not outside it", () => {
    expect(pointInPolygon([0.4, 0.4], square)).toBe(true);
    expect(pointInPolygon([0.7, 0.4], square)).toBe(false);
    expect(pointInPolygon([0.1, 0.1], square)).toBe(false);
  });
  it("a concave polygon's notch is outside", () => {
    const u: Point[] = [
      [0, 0],
      [0.3, 0],
      [0.3, 0.6],
      [0.6, 0.6],
      [0.6, 0],
      [0.9, 0],
      [0.9, 0.9],
      [0, 0.9],
    ];
    expect(pointInPolygon([0.45, 0.3], u)).toBe(false);
    expect(pointInPolygon([0.45, 0.8], u)).toBe(true);
  });
  it("picks the topmost polygon", () => {
    const small: Point[] = [
      [0.3, 0.3],
      [0.5, 0.3],
      [0.5, 0.5],
    ];
    expect(hitPolygon([square, small], [0.45, 0.35])).toBe(1);
    expect(hitPolygon([square, small], [0.25, 0.5])).toBe(0);
    expect(hitPolygon([square, small], [0.9, 0.9])).toBe(-1);
  });
  it("hits a vertex within a radius measured in pixels", () => {
    // 8 px to the right on a 1000 px wide drawing is 0.008; 8 px down on 500 px is 0.016.
    expect(hitVertex(square, [0.608, 0.2], size, 10)).toBe(1);
    expect(hitVertex(square, [0.6, 0.216], size, 10)).toBe(1);
    expect(hitVertex(square, [0.6, 0.23], size, 10)).toBe(-1);
  });
});

describe("self-intersection", () => {
  it("crossing and touching segments", () => {
    expect(segmentsIntersect([0, 0], [1, 1], [0, 1], [1, 0])).toBe(true);
    expect(segmentsIntersect([0, 0], [1, 0], [0, 1], [1, 1])).toBe(false);
    expect(segmentsIntersect([0, 0], [1, 0], [0.5, 0], [0.5, 1])).toBe(true);
  });
  it("a square is simple, a bow tie is not", () => {
    expect(selfIntersects(square)).toBe(false);
    expect(selfIntersects(bowtie)).toBe(true);
  });
  it("a spike folding back over its own edge is a crossing", () => {
    expect(
      selfIntersects([
        [0.1, 0.1],
        [0.5, 0.1],
        [0.3, 0.1],
        [0.3, 0.5],
      ]),
    ).toBe(true);
  });
  it("an open chain is not closed by the check", () => {
    expect(selfIntersects(bowtie.slice(0, 3), false)).toBe(false);
  });
});

describe("drawing", () => {
  it("adds points, refuses an edge that crosses the chain, and closes on the first point", () => {
    let pts: Point[] = [];
    for (const p of bowtie.slice(0, 3)) {
      const r = addPoint(pts, p, size, 10);
      expect(r.kind).toBe("added");
      if (r.kind === "added") pts = r.points;
    }
    // 0.2,0.6 from 0.6,0.2 crosses the first edge (0.2,0.2 → 0.6,0.6).
    expect(addPoint(pts, [0.2, 0.6], size, 10)).toEqual({ kind: "refused", reason: "crossing" });
    const sq: Point[] = square.slice(0, 3);
    const closed = addPoint(sq.concat([[0.2, 0.6]]), [0.203, 0.202], size, 10);
    expect(closed).toEqual({ kind: "closed", points: square });
  });
  it("a click on the first point with fewer than 3 points does not close", () => {
    expect(addPoint([[0.2, 0.2]], [0.2, 0.2], size, 10)).toEqual({ kind: "refused", reason: "too_few" });
    expect(closePolygon(square.slice(0, 2))).toEqual({ kind: "refused", reason: "too_few" });
  });
  it("a double click on the last point does not add it twice", () => {
    expect(addPoint(square.slice(0, 2), [0.6, 0.2], size, 10)).toEqual({
      kind: "refused",
      reason: "duplicate",
    });
  });
  it("closing is refused when the closing edge crosses", () => {
    expect(closePolygon(bowtie)).toEqual({ kind: "refused", reason: "crossing" });
    expect(
      closePolygon([
        [0.1, 0.1],
        [0.2, 0.2],
        [0.3, 0.3],
      ]),
    ).toEqual({ kind: "refused", reason: "crossing" });
  });
});

describe("editing", () => {
  it("moves a vertex, clamped to the image", () => {
    expect(moveVertex(square, 2, [1.3, 0.7])).toEqual([
      [0.2, 0.2],
      [0.6, 0.2],
      [1, 0.7],
      [0.2, 0.6],
    ]);
  });
  it("refuses a move that makes the polygon cross itself", () => {
    expect(moveVertex(square, 2, [0.1, 0.4])).toBeNull();
    expect(moveVertex(square, 9, [0.1, 0.1])).toBeNull();
  });
  it("drags a whole polygon, stopping at the image's edge", () => {
    expect(translate(square, 0.1, 0.1)).toEqual([
      [0.3, 0.3],
      [0.7, 0.3],
      [0.7, 0.7],
      [0.3, 0.7],
    ]);
    // Far to the left and down: the shift stops at x = 0 and y = 1 (the shape is kept).
    expect(translate(square, -5, 5)).toEqual([
      [0, 0.6],
      [0.4, 0.6],
      [0.4, 1],
      [0, 1],
    ]);
  });
  it("removes a vertex but keeps at least 3", () => {
    expect(removeVertex(square, 0)).toEqual(square.slice(1));
    expect(removeVertex(square.slice(1), 0)).toBeNull();
  });
});

describe("before saving", () => {
  it("names problems per zone", () => {
    expect(
      zoneProblems([
        { name: "操作台", checks: ["no_hat"], points: square },
        { name: " 操作台 ", checks: [], points: square },
        { name: " ", checks: [], points: square },
        { name: "地面", checks: [], points: bowtie },
        { name: "门口", checks: [], points: square.slice(0, 2) },
      ]),
    ).toEqual([
      { index: 1, problem: "name_duplicate" },
      { index: 2, problem: "name_missing" },
      { index: 3, problem: "crossing" },
      { index: 4, problem: "too_few" },
    ]);
  });
  it("proposes an unused name", () => {
    expect(nextZoneName("区域", [{ name: "区域1", checks: [], points: [] }])).toBe("区域2");
  });
});

describe("privacy masks", () => {
  const tri: Point[] = [
    [0.1, 0.1],
    [0.5, 0.1],
    [0.3, 0.4],
  ];
  it("accepts up to 16 simple polygons and names what is wrong otherwise", () => {
    expect(maskProblems([tri])).toEqual([]);
    expect(maskProblems(Array.from({ length: MAX_MASKS + 1 }, () => tri))).toContainEqual({
      index: -1,
      problem: "too_many_masks",
    });
    expect(maskProblems([tri, tri.slice(0, 2)])).toEqual([{ index: 1, problem: "too_few" }]);
    const bowtie: Point[] = [
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ];
    expect(maskProblems([bowtie])).toEqual([{ index: 0, problem: "crossing" }]);
  });
  it("saves rounded points clamped to 0–1", () => {
    expect(
      masksForSaving([
        [
          [0.123456, -0.2],
          [1.3, 0.5],
          [0.5, 0.99999],
        ],
      ]),
    ).toEqual([
      [
        [0.1235, 0],
        [1, 0.5],
        [0.5, 1],
      ],
    ]);
  });
});
