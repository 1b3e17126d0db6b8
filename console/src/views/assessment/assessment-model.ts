/**
 * The year-end assessment page's pure parts: the years one may pick, figures as text, and a station's
 * figures paired with the district's (a row per item: the station's value and the district's beside it).
 */
import type { AssessmentFigures } from "@/api/assessment";

export const FIRST_YEAR = 2020;
export const OUTCOME_KEYS = [
  "violation_confirmed",
  "rectified",
  "penalised",
  "transferred",
  "false_alarm",
] as const;

/** This year (Beijing time) down to 2020: the years one may pick. */
export function yearsUpTo(now = new Date()): number[] {
  const current = new Date(now.getTime() + 8 * 3600_000).getUTCFullYear();
  return Array.from({ length: current - FIRST_YEAR + 1 }, (_, i) => current - i);
}

/** Seconds as minutes, one decimal ("6.0"); "—" when nothing was measured. */
export function minutes(s: number | null | undefined): string {
  return s == null ? "—" : (s / 60).toFixed(1);
}

/** A share (0–1) as "97.3%"; "—" when there is nothing to divide. */
export function pct(r: number | null | undefined): string {
  return r == null ? "—" : `${(r * 100).toFixed(1)}%`;
}

/** Achieved of target as "84.0%" (a zero target: "—"). */
export function rate(achieved: number, target: number): string {
  return target > 0 ? pct(achieved / target) : "—";
}

/** Alerts by type of a station, each with the district's count of the same type. */
export function typeRows(
  own: AssessmentFigures,
  district: AssessmentFigures,
): { type: string; own: number; district: number }[] {
  const d = new Map(district.alerts.byType.map((x) => [x.type, x.count]));
  return own.alerts.byType.map((x) => ({ type: x.type, own: x.count, district: d.get(x.type) ?? 0 }));
}

/** Alerts by month of a station beside the district's ("01" … "12"). */
export function monthRows(
  own: AssessmentFigures,
  district: AssessmentFigures,
): { month: string; own: number; district: number }[] {
  return own.alerts.byMonth.map((m, i) => ({
    month: m.month,
    own: m.count,
    district: district.alerts.byMonth[i]?.count ?? 0,
  }));
}
