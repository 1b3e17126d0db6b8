/**
 * Plain logic of the workshop pages: the period (from/to as the API takes them), the monthly chart's
 * option (ECharts, no import of ECharts here), the ledger's file name and tag colours.
 */
import type { WorkshopFileView } from "@/api/types";

const DAY = 86_400_000;
const BEIJING_MS = 8 * 3600_000;

export type Period = [Date, Date];

/** The last `days` days up to now (the file's default is a year). */
export function lastDays(days: number, now = new Date()): Period {
  return [new Date(now.getTime() - days * DAY), now];
}

/** From the start of the Beijing year up to now. */
export function thisYear(now = new Date()): Period {
  const year = new Date(now.getTime() + BEIJING_MS).getUTCFullYear();
  return [new Date(Date.UTC(year, 0, 1) - BEIJING_MS), now];
}

/**
 * A picked date range as the API's period: the picker gives local midnights of the first and the last day;
 * the period runs to the end of the last day (but not past now).
 */
export function periodQuery(p: Period, now = new Date()): { from: string; to: string } {
  const from = new Date(p[0]);
  let to = new Date(p[1]);
  if (to.getHours() === 0 && to.getMinutes() === 0 && to.getSeconds() === 0)
    to = new Date(to.getTime() + DAY - 1000);
  if (to.getTime() > now.getTime()) to = now;
  if (from.getTime() >= to.getTime())
    return { from: new Date(to.getTime() - DAY).toISOString(), to: to.toISOString() };
  return { from: from.toISOString(), to: to.toISOString() };
}

/** YYYY-MM-DD in Beijing time, for file names. */
export function beijingDay(iso: string): string {
  return new Date(new Date(iso).getTime() + BEIJING_MS).toISOString().slice(0, 10);
}

export interface ChartLabels {
  alerts: string;
  falsePositives: string;
  cases: string;
}

/** The per-month chart: alerts and false positives as bars, cases as a line. */
export function monthlyChartOption(byMonth: WorkshopFileView["byMonth"], labels: ChartLabels) {
  return {
    tooltip: { trigger: "axis" },
    legend: { data: [labels.alerts, labels.falsePositives, labels.cases], top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: byMonth.map((m) => m.month) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: labels.alerts,
        type: "bar",
        data: byMonth.map((m) => m.alerts),
        itemStyle: { color: "#409eff" },
      },
      {
        name: labels.falsePositives,
        type: "bar",
        data: byMonth.map((m) => m.falsePositives),
        itemStyle: { color: "#c0c4cc" },
      },
      {
        name: labels.cases,
        type: "line",
        data: byMonth.map((m) => m.cases),
        smooth: true,
        itemStyle: { color: "#e6a23c" },
      },
    ],
  };
}

export function riskTagType(level: string): "danger" | "warning" | "success" | "info" {
  if (level === "high") return "danger";
  if (level === "medium") return "warning";
  if (level === "low") return "success";
  return "info";
}

/** Progress colour of one risk-score part by how full it is. */
export function partColor(points: number, max: number): string {
  const r = max > 0 ? points / max : 0;
  return r >= 0.67 ? "#f56c6c" : r >= 0.34 ? "#e6a23c" : "#67c23a";
}
