/**
 * Plain logic of the big screen (数据大屏): fitting the 1920×1080 stage into the window, the video wall's
 * pages of demonstration sites' cameras, the bounded alert ticker, the stations ranked by the plan's
 * targets, and the dark charts' options. No import of ECharts or Vue here: testable, and out of the
 * first paint.
 */
import type { DashboardSummary, StationFigures } from "@/api/dashboard";
import type { CameraView, WorkshopView } from "@/api/types";
import { percent, TARGET_KEYS } from "@/views/dashboard/dashboard-model";
import { MIN_TOUR_SECONDS } from "@/views/live/tour-timer";

/** The stage the big screen is designed at. */
export const STAGE = { width: 1920, height: 1080 } as const;

export interface StageFit {
  scale: number;
  /** Offsets of the scaled stage in the window (the letterbox bars). */
  left: number;
  top: number;
}

/** The scale that fits the stage whole into the window (letterboxed, centred, never cropped). */
export function fitStage(width: number, height: number, stage = STAGE): StageFit {
  if (width <= 0 || height <= 0) return { scale: 1, left: 0, top: 0 };
  const scale = Math.min(width / stage.width, height / stage.height);
  return {
    scale,
    left: Math.round((width - stage.width * scale) / 2),
    top: Math.round((height - stage.height * scale) / 2),
  };
}

// ---- the video wall ----

/** Tiles of the wall (2×2). */
export const WALL_TILES = 4;
export const DEFAULT_ROTATE_SECONDS = 20;
/** The fastest rotation (`?rotate=`): a test turns the wall quickly; a wall turning faster is unreadable. */
export const MIN_ROTATE_SECONDS = MIN_TOUR_SECONDS;
export const MAX_ROTATE_SECONDS = 600;

/** The rotation interval from the page's `?rotate=` (seconds), clamped; the default when absent or bad. */
export function rotateSeconds(q: unknown): number {
  const n = Number(Array.isArray(q) ? q[0] : q);
  if (q == null || q === "" || !Number.isFinite(n)) return DEFAULT_ROTATE_SECONDS;
  return Math.min(MAX_ROTATE_SECONDS, Math.max(MIN_ROTATE_SECONDS, Math.round(n)));
}

export interface WallCamera {
  cameraId: number;
  cameraName: string;
  workshopId: number;
  workshopName: string;
}

/**
 * The cameras the wall turns through: the enabled cameras of the demonstration sites (示范点) in
 * `stationId` (all when null), the online ones first, then by workshop and camera. With no demonstration
 * site there, the station's other cameras stand in (a station's screen is never empty while it has any).
 */
export function wallCameras(
  cameras: readonly CameraView[],
  workshops: readonly WorkshopView[],
  online: (cameraId: number) => boolean,
  stationId: number | null = null,
): WallCamera[] {
  const shops = new Map(workshops.map((w) => [w.id, w]));
  const usable = cameras.filter((c) => c.enabled && (stationId === null || c.stationId === stationId));
  const sites = usable.filter((c) => shops.get(c.workshopId)?.demoSite);
  const list = sites.length > 0 ? sites : usable;
  return list
    .map((c) => ({
      cameraId: c.id,
      cameraName: c.name,
      workshopId: c.workshopId,
      workshopName: shops.get(c.workshopId)?.name ?? "",
    }))
    .sort(
      (a, b) =>
        Number(online(b.cameraId)) - Number(online(a.cameraId)) ||
        a.workshopId - b.workshopId ||
        a.cameraId - b.cameraId,
    );
}

export const wallPages = (n: number, size = WALL_TILES) => Math.max(1, Math.ceil(n / size));

/**
 * The cameras of page `page` (wrapped round), always `size` slots. With more cameras than tiles the last
 * page is filled from the first cameras (a wall display shows no black tile while it has cameras to
 * show); with fewer, the rest are empty (null).
 */
export function wallPage<T>(list: readonly T[], page: number, size = WALL_TILES): Array<T | null> {
  const pages = wallPages(list.length, size);
  const p = ((page % pages) + pages) % pages;
  if (list.length <= size) return [...list, ...Array<null>(size - list.length).fill(null)];
  return Array.from({ length: size }, (_, i) => list[(p * size + i) % list.length]!);
}

// ---- the alert ticker ----

/** What the ticker shows of an alert (the `alert.*` event's summary carries these). */
export interface TickerAlert {
  id: string;
  cameraId: number;
  cameraName: string;
  workshopName: string;
  type: string;
  grade: number;
  status: string;
  createdAt: string;
}

/** The ticker keeps this many alerts: days of alerts flowing never grow it. */
export const TICKER_MAX = 30;

const isTickerAlert = (p: Record<string, unknown>): boolean =>
  typeof p.id === "string" && typeof p.createdAt === "string" && typeof p.type === "string";

/** A created alert into the ticker: newest first, no duplicate, at most `max`. Same list when unchanged. */
export function tickerAdd(
  list: readonly TickerAlert[],
  p: Record<string, unknown>,
  max = TICKER_MAX,
): readonly TickerAlert[] {
  if (!isTickerAlert(p) || list.some((a) => a.id === p.id)) return list;
  const a: TickerAlert = {
    id: p.id as string,
    cameraId: Number(p.cameraId),
    cameraName: String(p.cameraName ?? ""),
    workshopName: String(p.workshopName ?? ""),
    type: p.type as string,
    grade: Number(p.grade ?? 3),
    status: String(p.status ?? "new"),
    createdAt: p.createdAt as string,
  };
  const next = [a, ...list];
  next.sort((x, y) => Date.parse(y.createdAt) - Date.parse(x.createdAt));
  return next.slice(0, max);
}

/** An alert's new status (acknowledged, closed…) when it is in the ticker. */
export function tickerUpdate(
  list: readonly TickerAlert[],
  p: Record<string, unknown>,
): readonly TickerAlert[] {
  const id = p.id;
  const status = p.status;
  if (typeof id !== "string" || typeof status !== "string") return list;
  if (!list.some((a) => a.id === id && a.status !== status)) return list;
  return list.map((a) => (a.id === id ? { ...a, status } : a));
}

// ---- figures and targets ----

/** The district's (or the selected station's) figures on the screen. */
export function liveFigures(s: DashboardSummary) {
  const byDay = s.alerts.byDay;
  return {
    camerasLive: s.cameras.live,
    camerasTotal: s.cameras.total,
    /** The last day of the period is today. */
    alertsToday: byDay.length > 0 ? byDay[byDay.length - 1]!.count : 0,
    alertsPeriod: s.alerts.total,
    casesOpen: Math.max(0, s.cases.opened - s.cases.closed),
    casesOverdue: s.cases.overdue,
    ackMedianSeconds: s.alerts.ackMedianSeconds,
  };
}

export interface RankedStation {
  stationId: number;
  stationName: string;
  /** The mean of the four targets' percentages (each capped at 100). */
  score: number;
  parts: number[];
}

/** Stations ranked by their progress on the four targets (best first; ties by Annex 1's order). */
export function rankStations(stations: readonly StationFigures[]): RankedStation[] {
  return stations
    .map((s, i) => {
      const parts = TARGET_KEYS.map((k) => percent(s.targets[k].achieved, s.targets[k].target));
      return {
        i,
        stationId: s.stationId,
        stationName: s.stationName,
        score: Math.round(parts.reduce((a, b) => a + b, 0) / parts.length),
        parts,
      };
    })
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ i: _i, ...r }) => r);
}

// ---- charts (dark theme) ----

const AXIS = { axisLine: { lineStyle: { color: "#3b5a80" } }, axisLabel: { color: "#9fb6d3" } };
const SPLIT = { splitLine: { lineStyle: { color: "rgba(80,120,170,0.25)" } } };

/** Alerts per day over the last `days` days of the period (line, area). */
export function trendOption(s: DashboardSummary, days = 30) {
  const last = s.alerts.byDay.slice(-days);
  return {
    backgroundColor: "transparent",
    color: ["#36cfc9"],
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: last.map((d) => d.day.slice(5)), boundaryGap: false, ...AXIS },
    yAxis: { type: "value", minInterval: 1, ...AXIS, ...SPLIT },
    series: [
      {
        type: "line",
        smooth: true,
        showSymbol: false,
        areaStyle: { opacity: 0.25 },
        data: last.map((d) => d.count),
      },
    ],
  };
}

/** Alerts per type (horizontal bars, most first; labels translated by the caller). */
export function byTypeOption(s: DashboardSummary, label: (type: string) => string, top = 8) {
  const list = [...s.alerts.byType]
    .sort((a, b) => b.count - a.count)
    .slice(0, top)
    .reverse();
  return {
    backgroundColor: "transparent",
    color: ["#4096ff"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1, ...AXIS, ...SPLIT },
    yAxis: { type: "category", data: list.map((b) => label(b.type)), ...AXIS },
    series: [
      {
        type: "bar",
        barMaxWidth: 16,
        label: { show: true, position: "right", color: "#e6f4ff" },
        data: list.map((b) => b.count),
      },
    ],
  };
}
