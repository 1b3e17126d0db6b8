import { describe, expect, it } from "vitest";
import {
  beijingDay,
  lastDays,
  monthlyChartOption,
  partColor,
  periodQuery,
  riskTagType,
  thisYear,
} from "./workshop-file";

describe("periods", () => {
  const now = new Date("2026-12-07T04:00:00.000Z");
  it("last days and this year (Beijing)", () => {
    expect(lastDays(30, now)[0].toISOString()).toBe("2026-11-07T04:00:00.000Z");
    expect(thisYear(now)[0].toISOString()).toBe("2025-12-31T16:00:00.000Z");
  });
  it("a picked day range runs to the end of its last day, never past now", () => {
    const from = new Date(2026, 10, 1);
    const to = new Date(2026, 10, 30);
    const q = periodQuery([from, to], now);
    expect(q.from).toBe(from.toISOString());
    expect(new Date(q.to).getTime()).toBe(to.getTime() + 86_400_000 - 1000);
    expect(periodQuery([from, new Date(2026, 11, 31)], now).to).toBe(now.toISOString());
  });
  it("an empty range still asks a valid period", () => {
    const q = periodQuery([now, now], now);
    expect(new Date(q.from).getTime()).toBeLessThan(new Date(q.to).getTime());
  });
  it("Beijing day of an instant", () => {
    expect(beijingDay("2026-12-06T17:00:00.000Z")).toBe("2026-12-07");
  });
});

describe("monthlyChartOption", () => {
  it("one category per month, bars for alerts and false positives, a line for cases", () => {
    const o = monthlyChartOption(
      [
        { month: "2026-11", alerts: 3, falsePositives: 1, cases: 0 },
        { month: "2026-12", alerts: 5, falsePositives: 0, cases: 2 },
      ],
      { alerts: "A", falsePositives: "F", cases: "C" },
    );
    expect(o.xAxis.data).toEqual(["2026-11", "2026-12"]);
    expect(o.series.map((s) => [s.name, s.type, s.data])).toEqual([
      ["A", "bar", [3, 5]],
      ["F", "bar", [1, 0]],
      ["C", "line", [0, 2]],
    ]);
  });
});

describe("tags", () => {
  it("risk level and part colours", () => {
    expect(riskTagType("high")).toBe("danger");
    expect(riskTagType("x")).toBe("info");
    expect(partColor(25, 25)).toBe("#f56c6c");
    expect(partColor(5, 15)).toBe("#67c23a");
    expect(partColor(0, 0)).toBe("#67c23a");
  });
});
