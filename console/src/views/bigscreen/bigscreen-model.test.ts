import { describe, expect, it } from "vitest";
import type { DashboardSummary, StationFigures } from "@/api/dashboard";
import type { CameraView, WorkshopView } from "@/api/types";
import {
  byTypeOption,
  DEFAULT_ROTATE_SECONDS,
  fitStage,
  liveFigures,
  rankStations,
  rotateSeconds,
  TICKER_MAX,
  type TickerAlert,
  tickerAdd,
  tickerUpdate,
  trendOption,
  wallCameras,
  wallPage,
  wallPages,
} from "./bigscreen-model";

describe("fitting the 1920×1080 stage", () => {
  it("fills a 1920×1080 window exactly", () => {
    expect(fitStage(1920, 1080)).toEqual({ scale: 1, left: 0, top: 0 });
  });
  it("scales a 4K screen up by 2", () => {
    expect(fitStage(3840, 2160)).toEqual({ scale: 2, left: 0, top: 0 });
  });
  it("letterboxes a 4:3 window with bars above and below, never cropping", () => {
    const f = fitStage(1024, 768);
    expect(f.scale).toBeCloseTo(1024 / 1920);
    expect(f.left).toBe(0);
    expect(f.top).toBe(Math.round((768 - 1080 * f.scale) / 2));
    expect(1080 * f.scale + 2 * f.top).toBeCloseTo(768, 0);
  });
  it("pillarboxes an ultra-wide window with bars left and right", () => {
    const f = fitStage(2560, 800);
    expect(f.scale).toBeCloseTo(800 / 1080);
    expect(f.top).toBe(0);
    expect(f.left).toBeGreaterThan(0);
    expect(1920 * f.scale + 2 * f.left).toBeCloseTo(2560, 0);
  });
  it("does not divide by zero in a collapsed window", () => {
    expect(fitStage(0, 0)).toEqual({ scale: 1, left: 0, top: 0 });
  });
});

describe("the rotation interval", () => {
  it.each([
    [undefined, DEFAULT_ROTATE_SECONDS],
    ["", DEFAULT_ROTATE_SECONDS],
    ["abc", DEFAULT_ROTATE_SECONDS],
    ["1", 5],
    ["4", 5],
    ["12", 12],
    [["7", "9"], 7],
    ["100000", 600],
  ] as const)("?rotate=%s → %s s", (q, s) => {
    expect(rotateSeconds(q)).toBe(s);
  });
});

const cam = (id: number, workshopId: number, stationId = 1, enabled = true) =>
  ({ id, workshopId, stationId, name: `c${id}`, enabled }) as CameraView;
const shop = (id: number, demoSite: boolean) => ({ id, name: `w${id}`, demoSite }) as WorkshopView;

describe("the video wall", () => {
  const shops = [shop(1, true), shop(2, false), shop(3, true), shop(4, false)];
  const cams = [cam(1, 1), cam(2, 1), cam(3, 2), cam(4, 3), cam(5, 3, 1, false), cam(6, 4, 2)];

  it("turns through the demonstration sites' enabled cameras, the online ones first", () => {
    const online = new Set([4]);
    const list = wallCameras(cams, shops, (id) => online.has(id));
    expect(list.map((c) => c.cameraId)).toEqual([4, 1, 2]);
    expect(list[0]).toMatchObject({ workshopId: 3, workshopName: "w3", cameraName: "c4" });
  });

  it("keeps to one station, and falls back to its other cameras when it has no demonstration site", () => {
    expect(wallCameras(cams, shops, () => false, 2).map((c) => c.cameraId)).toEqual([6]);
    expect(wallCameras(cams, shops, () => false, 9)).toEqual([]);
  });

  it("shows pages of four, wrapping round, the last page filled from the first cameras", () => {
    const list = [1, 2, 3, 4, 5, 6];
    expect(wallPages(list.length)).toBe(2);
    expect(wallPage(list, 0)).toEqual([1, 2, 3, 4]);
    expect(wallPage(list, 1)).toEqual([5, 6, 1, 2]);
    expect(wallPage(list, 2)).toEqual([1, 2, 3, 4]);
    expect(wallPage(list, 7)).toEqual([5, 6, 1, 2]);
    expect(wallPage([1, 2, 3, 4, 5, 6, 7, 8], 1)).toEqual([5, 6, 7, 8]);
  });

  it("leaves tiles empty only when there are fewer cameras than tiles (one page, no turn)", () => {
    expect(wallPages(3)).toBe(1);
    expect(wallPage([1, 2, 3], 1)).toEqual([1, 2, 3, null]);
    expect(wallPages(0)).toBe(1);
    expect(wallPage([], 3)).toEqual([null, null, null, null]);
  });
});

const payload = (i: number, over: Record<string, unknown> = {}) => ({
  id: `a${i}`,
  cameraId: 1,
  cameraName: "加工间",
  workshopName: "荷香糕点",
  type: "no_hat",
  grade: 2,
  status: "new",
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  ...over,
});

describe("the alert ticker", () => {
  it("puts the newest first and never holds more than its bound, however many alerts flow", () => {
    let list: readonly TickerAlert[] = [];
    for (let i = 0; i < 1000; i++) list = tickerAdd(list, payload(i));
    expect(list).toHaveLength(TICKER_MAX);
    expect(list[0]!.id).toBe("a999");
    expect(list.at(-1)!.id).toBe(`a${1000 - TICKER_MAX}`);
  });

  it("ignores a repeated event and a payload that is not an alert (same list back)", () => {
    const one = tickerAdd([], payload(1));
    expect(tickerAdd(one, payload(1))).toBe(one);
    expect(tickerAdd(one, { id: 5 })).toBe(one);
  });

  it("places a late (replayed) alert by its time, not at the top", () => {
    const list = tickerAdd(tickerAdd([], payload(5)), payload(2));
    expect(list.map((a) => a.id)).toEqual(["a5", "a2"]);
  });

  it("follows an alert's status; an unknown alert or unchanged status leaves the list as it is", () => {
    const list = tickerAdd([], payload(1));
    const acked = tickerUpdate(list, { id: "a1", status: "acknowledged" });
    expect(acked[0]!.status).toBe("acknowledged");
    expect(tickerUpdate(acked, { id: "a1", status: "acknowledged" })).toBe(acked);
    expect(tickerUpdate(acked, { id: "zz", status: "closed" })).toBe(acked);
  });
});

const tp = (achieved: number, target: number) => ({ achieved, target });
function summary(): DashboardSummary {
  return {
    targets: {
      demonstrationWorkshops: tp(3, 7),
      upgradedToEnterprises: tp(1, 2),
      videoSupervisionPilots: tp(2, 2),
      industryAssociationActivities: tp(0, 1),
    },
    cameras: { total: 8, live: 3, uptime: 0.5 },
    alerts: {
      total: 9,
      byType: [
        { type: "no_hat", count: 2 },
        { type: "smoking", count: 7 },
      ],
      byDay: Array.from({ length: 40 }, (_, i) => ({
        day: `2026-01-${String(i + 1).padStart(2, "0")}`,
        count: i,
      })),
      ackMedianSeconds: 65,
      ackP90Seconds: 300,
    },
    cases: { opened: 5, closed: 2, overdue: 1, closureRate: 0.4 },
    workshopsByRisk: { high: 1, medium: 2, low: 3 },
  };
}

describe("figures, ranking and charts", () => {
  it("takes today's alerts from the last day of the period and open cases as opened less closed", () => {
    expect(liveFigures(summary())).toEqual({
      camerasLive: 3,
      camerasTotal: 8,
      alertsToday: 39,
      alertsPeriod: 9,
      casesOpen: 3,
      casesOverdue: 1,
      ackMedianSeconds: 65,
    });
  });

  it("ranks the stations by the mean of their four targets' progress, ties in Annex 1's order", () => {
    const st = (stationId: number, a: number[]): StationFigures =>
      ({
        stationId,
        stationName: `s${stationId}`,
        targets: {
          demonstrationWorkshops: tp(a[0]!, 4),
          upgradedToEnterprises: tp(a[1]!, 4),
          videoSupervisionPilots: tp(a[2]!, 4),
          industryAssociationActivities: tp(a[3]!, 4),
        },
      }) as StationFigures;
    const ranked = rankStations([
      st(1, [1, 1, 1, 1]),
      st(2, [8, 4, 4, 4]),
      st(3, [2, 2, 0, 0]),
      st(4, [4, 0, 0, 0]),
    ]);
    expect(ranked.map((r) => [r.stationId, r.score])).toEqual([
      [2, 100],
      [1, 25],
      [3, 25],
      [4, 25],
    ]);
    expect(ranked[0]!.parts).toEqual([100, 100, 100, 100]);
  });

  it("charts the last 30 days and the types most first", () => {
    const trend = trendOption(summary());
    expect(trend.xAxis.data).toHaveLength(30);
    expect(trend.series[0]!.data.at(-1)).toBe(39);
    const types = byTypeOption(summary(), (t) => t.toUpperCase());
    // Horizontal bars draw bottom-up: the largest last.
    expect(types.yAxis.data).toEqual(["NO_HAT", "SMOKING"]);
    expect(types.series[0]!.data).toEqual([2, 7]);
  });
});
