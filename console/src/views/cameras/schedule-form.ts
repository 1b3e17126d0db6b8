/**
 * Working hours as the editor's weekday table ↔ the schedule the analytics worker reads (`{days, hours}`:
 * the same time ranges on every chosen day). Pure. The table has one row per weekday (working or not,
 * from, to); it can be saved when the working days share their hours — the worker has one set of hours
 * per camera — and otherwise names the days that differ.
 */
import type { CameraSchedule } from "@contracts/camera-rules";

export interface DayRow {
  /** ISO weekday, 1 = Monday. */
  day: number;
  on: boolean;
  from: string;
  to: string;
}

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const TIME = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

export function defaultRows(from = "08:00", to = "18:00"): DayRow[] {
  return WEEKDAYS.map((day) => ({ day, on: day <= 5, from, to }));
}

/** The table of a stored schedule (null: the workshop's hours, shown as an editable default). */
export function rowsFromSchedule(s: CameraSchedule | null): DayRow[] {
  if (!s || s.hours.length === 0) return defaultRows();
  const { from, to } = s.hours[0] as { from: string; to: string };
  return WEEKDAYS.map((day) => ({ day, on: s.days.includes(day), from, to }));
}

export type ScheduleProblem =
  | { problem: "no_days" }
  | { problem: "bad_time"; day: number }
  | { problem: "empty_range"; day: number }
  | { problem: "differ"; days: number[] };

/** The schedule of a table, or why it cannot be saved. */
export function scheduleFromRows(rows: readonly DayRow[]): CameraSchedule | ScheduleProblem {
  const on = rows.filter((r) => r.on);
  if (on.length === 0) return { problem: "no_days" };
  for (const r of on) {
    if (!TIME.test(r.from) || !TIME.test(r.to) || r.from === "24:00")
      return { problem: "bad_time", day: r.day };
    if (r.from === r.to) return { problem: "empty_range", day: r.day };
  }
  const first = on[0] as DayRow;
  const differ = on.filter((r) => r.from !== first.from || r.to !== first.to).map((r) => r.day);
  if (differ.length) return { problem: "differ", days: differ };
  return { days: on.map((r) => r.day).sort((a, b) => a - b), hours: [{ from: first.from, to: first.to }] };
}

export const isScheduleProblem = (v: CameraSchedule | ScheduleProblem): v is ScheduleProblem =>
  "problem" in v;

/** Copies one row's hours to every working day. */
export function applyToAll(rows: readonly DayRow[], from: string, to: string): DayRow[] {
  return rows.map((r) => (r.on ? { ...r, from, to } : r));
}

/** A range that ends before it starts runs past midnight (22:00–06:00): the editor says so. */
export const crossesMidnight = (r: DayRow): boolean => r.to !== "24:00" && r.to < r.from;
