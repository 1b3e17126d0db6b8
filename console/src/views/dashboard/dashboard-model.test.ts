import { afterEach, describe, expect, it, vi } from "vitest";
import type { DashboardSummary, DashboardView } from "@/api/dashboard";
import {
  alertsByDayOption,
  alertsByTypeOption,
  changesFigures,
  percent,
  progressColor,
  ratio,
  seriesOf,
  tableRows,
  thisYearDays,
  throttled,
} from "./dashboard-model";

const tp = (achieved: number, target: number) => ({ achieved, target });
function summary(alerts: number): DashboardSummary {
  return {
    targets: {
      demonstrationWorkshops: tp(3, 7),
      upgradedToEnterprises: tp(1, 2),
      videoSupervisionPilots: tp(2, 2),
      industryAssociationActivities: tp(0, 1),
    },
    cameras: { total: 4, live: 3, uptime: 0.5 },
    alerts: {
      total: alerts,
      byType: [
        { type: "no_hat", count: 1 },
        { type: "smoking", count: alerts - 1 },
      ],
      byDay: [
        { day: "2026-12-06", count: 1 },
        { day: "2026-12-07", count: alerts - 1 },
      ],
      ackMedianSeconds: 60,
      ackP90Seconds: 300,
    },
    cases: { opened: 2, closed: 1, overdue: 1, closureRate: 0.5 },
    workshopsByRisk: { high: 1, medium: 2, low: 3 },
  };
}
const station = (id: number, name: string) => ({
  stationId: id,
  stationName: name,
  targets: summary(1).targets,
  camerasTotal: 4,
  camerasLive: 3,
  uptime: 0.5,
  alerts: 5,
  casesOpened: 2,
  casesClosed: 1,
  casesOverdue: 0,
});
const view = (stationId: number | null): DashboardView => ({
  period: { from: "2026-01-01", to: "2026-12-07" },
  stationId,
  summary: summary(stationId ? 5 : 50),
  district: stationId ? summary(50) : null,
  stations: stationId ? [station(stationId, "明水")] : [station(1, "明水"), station(2, "双山")],
  generatedAt: "2026-12-07T00:00:00.000Z",
});

describe("dashboard model", () => {
  afterEach(() => vi.useRealTimers());

  it("defaults to this Beijing year, by Beijing calendar day", () => {
    expect(thisYearDays(new Date("2026-12-31T17:00:00.000Z"))).toEqual(["2027-01-01", "2027-01-01"]);
    expect(thisYearDays(new Date("2026-06-01T03:00:00.000Z"))).toEqual(["2026-01-01", "2026-06-01"]);
  });

  it("progress: capped at 100, a zero target with nothing achieved is 0", () => {
    expect(percent(3, 7)).toBe(43);
    expect(percent(9, 7)).toBe(100);
    expect(percent(0, 0)).toBe(0);
    expect(progressColor(7, 7)).toBe("#67c23a");
    expect(progressColor(1, 7)).toBe("#e6a23c");
    expect(ratio(null)).toBe("—");
    expect(ratio(0.973)).toBe("97.3%");
  });

  it("the bureau's table: every station and the district's total last", () => {
    const rows = tableRows(view(null), "全区");
    expect(rows.map((r) => [r.stationName, r.total])).toEqual([
      ["明水", false],
      ["双山", false],
      ["全区", true],
    ]);
    expect(rows[2]!.alerts).toBe(50);
  });

  it("a station's table: its row and the district's total from the comparison", () => {
    const rows = tableRows(view(1), "全区");
    expect(rows.map((r) => r.stationName)).toEqual(["明水", "全区"]);
    expect(rows[1]!.alerts).toBe(50);
  });

  it("a station is charted against the district on a second axis", () => {
    const s = seriesOf(view(1), { station: "明水", district: "全区" });
    expect(s.map((x) => x.name)).toEqual(["明水", "全区"]);
    const o = alertsByDayOption(s);
    expect(o.series.map((x) => [x.name, x.yAxisIndex, x.data])).toEqual([
      ["明水", 0, [1, 4]],
      ["全区", 1, [1, 49]],
    ]);
    expect(o.xAxis.data).toEqual(["12-06", "12-07"]);
    expect(seriesOf(view(null), { station: "", district: "全区" })).toHaveLength(1);
  });

  it("alert types are labelled by the caller and ordered by the first series' count", () => {
    const o = alertsByTypeOption(seriesOf(view(null), { station: "", district: "全区" }), (t) => `«${t}»`);
    expect(o.xAxis.data).toEqual(["«smoking»", "«no_hat»"]);
    expect(o.series[0]!.data).toEqual([49, 1]);
  });

  it("reloads at most once per gap, for a burst of events", () => {
    vi.useFakeTimers();
    let now = 0;
    const fn = vi.fn();
    const r = throttled(fn, 5000, () => now);
    r.trigger();
    r.trigger();
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(1);
    now = 1000;
    r.trigger();
    r.trigger();
    vi.advanceTimersByTime(3999);
    expect(fn).toHaveBeenCalledTimes(1);
    now = 5000;
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    r.trigger();
    r.cancel();
    vi.advanceTimersByTime(10_000);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("alert and case events change the figures; camera status does not", () => {
    expect(changesFigures("alert.created")).toBe(true);
    expect(changesFigures("case.updated")).toBe(true);
    expect(changesFigures("camera.status")).toBe(false);
  });
});
