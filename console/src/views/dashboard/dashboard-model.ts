/**
 * Plain logic of the dashboard (监管看板): the default period (this year, Beijing), the Annex 1 table's
 * rows with the district's total, progress percentages, and the charts' options (no import of ECharts
 * here, so that this stays testable and out of the first paint).
 */
import type { DashboardSummary, DashboardView, StationFigures } from "@/api/dashboard";

const BEIJING_MS = 8 * 3600_000;

export const TARGET_KEYS = [
  "demonstrationWorkshops",
  "upgradedToEnterprises",
  "videoSupervisionPilots",
  "industryAssociationActivities",
] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];

/** A calendar day in Beijing, YYYY-MM-DD. */
export function beijingDate(d: Date): string {
  return new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 10);
}

/** 1 January of this (Beijing) year up to today: the dashboard's default period. */
export function thisYearDays(now = new Date()): [string, string] {
  const today = beijingDate(now);
  return [`${today.slice(0, 4)}-01-01`, today];
}

/** Achieved of target as a whole percentage for a progress bar (capped at 100; a zero target is done). */
export function percent(achieved: number, target: number): number {
  if (target <= 0) return achieved > 0 ? 100 : 0;
  return Math.min(100, Math.round((achieved / target) * 100));
}

/** The progress bar's colour: met, more than half, or behind. */
export function progressColor(achieved: number, target: number): string {
  const p = percent(achieved, target);
  return p >= 100 ? "#67c23a" : p >= 50 ? "#409eff" : "#e6a23c";
}

/** A share (0–1) as "97.3%"; "—" when there is nothing to divide. */
export function ratio(r: number | null | undefined): string {
  return r == null ? "—" : `${(r * 100).toFixed(1)}%`;
}

export interface TableRow extends StationFigures {
  /** The district's total row (last, bold). */
  total: boolean;
}

/** A summary as a row of the Annex 1 table (the district's total). */
export function summaryRow(s: DashboardSummary, name: string): TableRow {
  return {
    stationId: 0,
    stationName: name,
    targets: s.targets,
    camerasTotal: s.cameras.total,
    camerasLive: s.cameras.live,
    uptime: s.cameras.uptime,
    alerts: s.alerts.total,
    casesOpened: s.cases.opened,
    casesClosed: s.cases.closed,
    casesOverdue: s.cases.overdue,
    total: true,
  };
}

/** The district's figures: the summary when it is the district's, else the comparison it came with. */
export function districtOf(v: DashboardView): DashboardSummary | null {
  return v.stationId === null ? v.summary : v.district;
}

/** The station rows and, last, the district's total. */
export function tableRows(v: DashboardView, districtName: string): TableRow[] {
  const rows: TableRow[] = v.stations.map((s) => ({ ...s, total: false }));
  const district = districtOf(v);
  if (district) rows.push(summaryRow(district, districtName));
  return rows;
}

/** The series of the charts: the selection, and the district beside it when the selection is a station. */
export interface Series {
  name: string;
  summary: DashboardSummary;
}

export function seriesOf(v: DashboardView, names: { station: string; district: string }): Series[] {
  if (v.stationId === null) return [{ name: names.district, summary: v.summary }];
  const list: Series[] = [{ name: names.station, summary: v.summary }];
  if (v.district) list.push({ name: names.district, summary: v.district });
  return list;
}

const COLORS = ["#409eff", "#c0c4cc", "#e6a23c", "#f56c6c", "#67c23a"];
const base = (names: string[]) => ({
  color: COLORS,
  tooltip: { trigger: "axis" },
  legend: { data: names, top: 0 },
  grid: { left: 44, right: 16, top: 32, bottom: 28, containLabel: true },
});

/** Alerts per day, one line per series (a station with the district on a second axis). */
export function alertsByDayOption(series: Series[]) {
  const days = series[0]?.summary.alerts.byDay.map((d) => d.day.slice(5)) ?? [];
  const two = series.length > 1;
  return {
    ...base(series.map((s) => s.name)),
    xAxis: { type: "category", data: days, boundaryGap: false },
    yAxis: two
      ? [
          { type: "value", minInterval: 1 },
          { type: "value", minInterval: 1, splitLine: { show: false } },
        ]
      : { type: "value", minInterval: 1 },
    series: series.map((s, i) => ({
      name: s.name,
      type: "line",
      yAxisIndex: two ? i : 0,
      showSymbol: false,
      areaStyle: i === 0 ? { opacity: 0.15 } : undefined,
      data: s.summary.alerts.byDay.map((d) => d.count),
    })),
  };
}

/** Alerts per violation type (labels translated by the caller), one bar per series. */
export function alertsByTypeOption(series: Series[], label: (type: string) => string) {
  const types = [...new Set(series.flatMap((s) => s.summary.alerts.byType.map((b) => b.type)))];
  const first = series[0]?.summary.alerts.byType ?? [];
  types.sort(
    (a, b) => (first.find((x) => x.type === b)?.count ?? 0) - (first.find((x) => x.type === a)?.count ?? 0),
  );
  return {
    ...base(series.map((s) => s.name)),
    xAxis: {
      type: "category",
      data: types.map(label),
      axisLabel: { interval: 0, rotate: types.length > 5 ? 30 : 0 },
    },
    yAxis: { type: "value", minInterval: 1 },
    series: series.map((s) => ({
      name: s.name,
      type: "bar",
      data: types.map((ty) => s.summary.alerts.byType.find((b) => b.type === ty)?.count ?? 0),
    })),
  };
}

/** Grouped bars over named categories (cases opened/closed/overdue; workshops by risk level). */
export function groupedBarOption(
  series: Series[],
  categories: Array<{ label: string; value: (s: DashboardSummary) => number }>,
) {
  return {
    ...base(series.map((s) => s.name)),
    xAxis: { type: "category", data: categories.map((c) => c.label) },
    yAxis: { type: "value", minInterval: 1 },
    series: series.map((s) => ({
      name: s.name,
      type: "bar",
      barMaxWidth: 40,
      label: { show: true, position: "top" },
      data: categories.map((c) => c.value(s.summary)),
    })),
  };
}

/**
 * At most one call per `gapMs`: the first event of a burst schedules a call at the end of the gap since the
 * last one (never a timer of its own otherwise). `cancel` drops a pending call (on leaving the page).
 */
export function throttled(fn: () => void, gapMs: number, now = () => Date.now()) {
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    trigger() {
      if (timer) return;
      const wait = Math.max(0, last + gapMs - now());
      timer = setTimeout(() => {
        timer = null;
        last = now();
        fn();
      }, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** The events that change the dashboard's figures. */
export const changesFigures = (kind: string) => kind.startsWith("alert.") || kind.startsWith("case.");
