import { describe, expect, it } from "vitest";
import { compareToBaseline, DEFAULT_BASELINE, maskBounds, medianImage } from "./baseline.js";
import { changedFraction, hasMotion } from "./motion.js";
import { Cooldown, KOfN } from "./persistence.js";
import { isScheduled, validateSchedule } from "./schedule.js";
import { boxInPolygonFraction, boxInZone, pointInPolygon, polygonMask } from "./zone.js";

const square = [
  [0.2, 0.2],
  [0.6, 0.2],
  [0.6, 0.6],
  [0.2, 0.6],
] as const;
const lShape = [
  [0, 0],
  [1, 0],
  [1, 0.5],
  [0.5, 0.5],
  [0.5, 1],
  [0, 1],
] as const;

describe("zones", () => {
  it("tests points against convex and concave polygons, edges inside", () => {
    expect(pointInPolygon([0.4, 0.4], square)).toBe(true);
    expect(pointInPolygon([0.7, 0.4], square)).toBe(false);
    expect(pointInPolygon([0.2, 0.4], square)).toBe(true);
    expect(pointInPolygon([0.75, 0.75], lShape)).toBe(false);
    expect(pointInPolygon([0.25, 0.75], lShape)).toBe(true);
    expect(
      pointInPolygon(
        [0.5, 0.5],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    ).toBe(false);
  });
  it("tests boxes by centre, feet or overlap", () => {
    const zone = { name: "灶台", points: square };
    const box = { x1: 0.5, y1: 0.1, x2: 0.9, y2: 0.5 }; // centre (0.7, 0.3) outside; overlaps a quarter
    expect(boxInZone(box, zone, "center")).toBe(false);
    expect(boxInPolygonFraction(box, square)).toBeCloseTo(0.1875, 2);
    expect(boxInZone(box, zone, "overlap", 0.1)).toBe(true);
    expect(boxInZone(box, zone, "overlap", 0.3)).toBe(false);
    expect(boxInZone({ x1: 0.3, y1: 0, x2: 0.5, y2: 0.5 }, zone, "bottom")).toBe(true);
  });
  it("rasterises a polygon into a mask", () => {
    const m = polygonMask(square, 10, 10);
    expect(m.reduce((s, v) => s + v, 0)).toBe(16);
  });
});

describe("schedule", () => {
  const weekdays = { days: [1, 2, 3, 4, 5], hours: [{ from: "08:00", to: "18:00" }] };
  it("is armed in working hours on working days (Asia/Shanghai)", () => {
    expect(isScheduled(weekdays, new Date("2026-12-01T02:00:00Z"))).toBe(true); // Tue 10:00 CST
    expect(isScheduled(weekdays, new Date("2026-12-01T11:00:00Z"))).toBe(false); // Tue 19:00
    expect(isScheduled(weekdays, new Date("2026-12-05T02:00:00Z"))).toBe(false); // Sat 10:00
    expect(isScheduled(weekdays, new Date("2026-12-01T10:00:00Z"))).toBe(false); // 18:00 exclusive
    expect(isScheduled(null, new Date())).toBe(true);
  });
  it("handles night shifts across midnight as part of the day they start", () => {
    const night = { days: [5], hours: [{ from: "22:00", to: "06:00" }] };
    expect(isScheduled(night, new Date("2026-12-04T15:00:00Z"))).toBe(true); // Fri 23:00
    expect(isScheduled(night, new Date("2026-12-04T20:00:00Z"))).toBe(true); // Sat 04:00
    expect(isScheduled(night, new Date("2026-12-05T15:00:00Z"))).toBe(false); // Sat 23:00
  });
  it("honours another time zone and rejects bad values", () => {
    expect(isScheduled({ ...weekdays, timezone: "UTC" }, new Date("2026-12-01T09:00:00Z"))).toBe(true);
    expect(() => validateSchedule({ days: [8], hours: [] })).toThrow(/weekday/);
    expect(() => validateSchedule({ days: [1], hours: [{ from: "8am", to: "18:00" }] })).toThrow(/HH:MM/);
  });
});

describe("persistence and cooldown", () => {
  it("holds only with k hits among the last n frames", () => {
    const p = new KOfN(2, 3);
    expect([true, false, false, true, false, true, true].map((h) => p.push(h))).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(() => new KOfN(3, 2)).toThrow(/k <= n/);
  });
  it("fires once per key per cooldown", () => {
    const c = new Cooldown();
    expect(c.tryFire("1:no_hat", 0, 60_000)).toBe(true);
    expect(c.tryFire("1:no_hat", 30_000, 60_000)).toBe(false);
    expect(c.tryFire("2:no_hat", 30_000, 60_000)).toBe(true);
    expect(c.tryFire("1:no_hat", 60_000, 60_000)).toBe(true);
  });
});

function img(w: number, h: number, f: (x: number, y: number) => number): Uint8Array {
  const a = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) a[y * w + x] = Math.max(0, Math.min(255, Math.round(f(x, y))));
  return a;
}

describe("motion gating", () => {
  const scene = img(32, 18, (x, y) => 60 + 3 * x + 2 * y);
  it("sees a moving object", () => {
    const moved = img(32, 18, (x, y) => (x > 10 && x < 16 && y > 4 && y < 10 ? 230 : 60 + 3 * x + 2 * y));
    expect(hasMotion(scene, moved)).toBe(true);
  });
  it("ignores a global brightness change and sensor noise", () => {
    const brighter = img(32, 18, (x, y) => 60 + 3 * x + 2 * y + 40 + ((x * 7 + y * 3) % 5) - 2);
    expect(changedFraction(scene, brighter, 25)).toBe(0);
    expect(hasMotion(scene, brighter)).toBe(false);
  });
  it("counts the first frame as motion", () => {
    expect(hasMotion(undefined, scene)).toBe(true);
  });
});

describe("clean baseline", () => {
  const w = 40;
  const h = 30;
  const clean = (gain = 1, offset = 0) =>
    img(w, h, (x, y) => (100 + ((x * 13 + y * 7) % 40)) * gain + offset);
  const zone = polygonMask(
    [
      [0.1, 0.1],
      [0.9, 0.1],
      [0.9, 0.9],
      [0.1, 0.9],
    ],
    w,
    h,
  );
  const none = new Uint8Array(w * h);
  const all = new Uint8Array(w * h).fill(1);
  it("learns a median that ignores a person passing in one sample", () => {
    const withPerson = clean();
    for (let y = 5; y < 25; y++) for (let x = 10; x < 16; x++) withPerson[y * w + x] = 20;
    const { image } = medianImage([clean(), withPerson, clean()], [all, all, all]);
    expect(image).toEqual(clean());
  });
  it("is robust to lighting but flags clutter", () => {
    const { image, seen } = medianImage([clean(), clean(), clean()], [all, all, all]);
    const lit = compareToBaseline(image, seen, clean(1.4, 20), zone, none);
    expect(lit.unclean).toBe(false);
    const cluttered = clean(1.4, 20);
    for (let y = 8; y < 18; y++) for (let x = 12; x < 24; x++) cluttered[y * w + x] = 40; // dark debris
    const v = compareToBaseline(image, seen, cluttered, zone, none);
    expect(v.unclean).toBe(true);
    expect(v.changed).toBeGreaterThan(DEFAULT_BASELINE.areaThreshold);
    expect(maskBounds(v.diff, w, h)).toMatchObject({ x1: 12, y1: 8 });
  });
  it("flags white paper on a grey floor although it clips, but not a brighter light that clips", () => {
    const floor = (gain: number) => img(w, h, (x, y) => (150 + ((x * 7 + y * 3) % 9)) * gain);
    const { image, seen } = medianImage([floor(1)], [all]);
    expect(compareToBaseline(image, seen, floor(1.8), zone, none).unclean).toBe(false); // all clipped
    const paper = floor(1);
    for (let y = 10; y < 20; y++) for (let x = 10; x < 22; x++) paper[y * w + x] = 255;
    expect(compareToBaseline(image, seen, paper, zone, none).unclean).toBe(true);
  });
  it("does not take compression noise on a plain floor for clutter, but sees a scrap on it", () => {
    // A flat floor (one grey level of texture) and frames of it with ±3 levels of noise, as a camera's JPEG
    // makes: dividing by the floor's own tiny spread once called this 1.5–30 % changed.
    // JPEG noise is blocky: one offset per 4×4 block survives the 3×3 opening that removes specks.
    let seed = 7;
    const blocks = () => {
      const out: number[] = [];
      for (let i = 0; i < w * h; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        out.push((seed % 7) - 3);
      }
      return (x: number, y: number) => out[(y >> 2) * w + (x >> 2)] as number;
    };
    const flat = () => img(w, h, (x, y) => 120 + ((x + y) % 2));
    const noisy = () => {
      const n = blocks();
      return img(w, h, (x, y) => 120 + ((x + y) % 2) + n(x, y));
    };
    const { image, seen } = medianImage([flat(), flat(), flat()], [all, all, all]);
    for (let i = 0; i < 5; i++)
      expect(compareToBaseline(image, seen, noisy(), zone, none).unclean).toBe(false);
    const scrap = noisy();
    for (let y = 10; y < 18; y++) for (let x = 12; x < 22; x++) scrap[y * w + x] = 95; // a brown scrap
    const v = compareToBaseline(image, seen, scrap, zone, none);
    expect(v.unclean).toBe(true);
    expect(maskBounds(v.diff, w, h)).toMatchObject({ x1: 12, y1: 10 });
  });
  it("does not call a person standing in the zone clutter when the person is masked", () => {
    const { image, seen } = medianImage([clean()], [all]);
    const person = clean();
    const occluded = new Uint8Array(w * h);
    for (let y = 4; y < 26; y++) {
      for (let x = 14; x < 24; x++) {
        person[y * w + x] = 10;
        occluded[y * w + x] = 1;
      }
    }
    expect(compareToBaseline(image, seen, person, zone, none).unclean).toBe(true);
    expect(compareToBaseline(image, seen, person, zone, occluded).unclean).toBe(false);
  });
});
