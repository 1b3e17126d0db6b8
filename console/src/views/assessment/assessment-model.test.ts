import { describe, expect, it } from "vitest";
import { minutes, monthRows, pct, rate, typeRows, yearsUpTo } from "./assessment-model";

const figures = (byType: [string, number][], months: number[]) =>
  ({
    alerts: {
      byType: byType.map(([type, count]) => ({ type, count })),
      byMonth: months.map((count, i) => ({ month: `2025-${String(i + 1).padStart(2, "0")}`, count })),
    },
  }) as never;

describe("assessment page model", () => {
  it("offers this year (Beijing time) down to 2020", () => {
    expect(yearsUpTo(new Date("2026-12-31T17:00:00Z"))).toEqual([
      2027, 2026, 2025, 2024, 2023, 2022, 2021, 2020,
    ]);
    expect(yearsUpTo(new Date("2020-06-01T00:00:00Z"))).toEqual([2020]);
  });

  it("writes minutes, shares and rates, a dash for nothing", () => {
    expect(minutes(360)).toBe("6.0");
    expect(minutes(null)).toBe("—");
    expect(pct(0.8125)).toBe("81.3%");
    expect(rate(21, 25)).toBe("84.0%");
    expect(rate(3, 0)).toBe("—");
  });

  it("puts the district's count beside the station's, per type and per month", () => {
    const own = figures([["rodent", 2]], [1, 0]);
    const district = figures(
      [
        ["no_mask", 5],
        ["rodent", 3],
      ],
      [4, 2],
    );
    expect(typeRows(own, district)).toEqual([{ type: "rodent", own: 2, district: 3 }]);
    expect(monthRows(own, district)).toEqual([
      { month: "2025-01", own: 1, district: 4 },
      { month: "2025-02", own: 0, district: 2 },
    ]);
  });
});
