import { describe, expect, it } from "vitest";
import { count, percentile, prf } from "./stats.js";

describe("evaluation statistics", () => {
  it("counts and scores", () => {
    const c = count([
      { expected: true, got: true },
      { expected: true, got: false },
      { expected: false, got: true },
      { expected: false, got: false },
      { expected: true, got: true },
    ]);
    expect(c).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1 });
    const s = prf(c);
    expect(s.precision).toBeCloseTo(2 / 3);
    expect(s.recall).toBeCloseTo(2 / 3);
    expect(s.f1).toBeCloseTo(2 / 3);
    expect(prf({ tp: 0, fp: 0, fn: 0, tn: 3 }).precision).toBeNaN();
  });
  it("takes nearest-rank percentiles", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
  });
});
