/**
 * Working hours of a workshop (workshops.working_hours: `{start: "HH:MM", end: "HH:MM", days?: [1..7]}`)
 * and the camera-offline rule built on them. Pure, no I/O.
 *
 * Times are local to Zhangqiu (China Standard Time, UTC+8, no daylight saving) unless an offset is given.
 * `end` before `start` is an overnight shift. `days` are ISO weekdays (1 = Monday … 7 = Sunday; 0 is
 * read as Sunday too); absent = every day. A workshop with no working hours recorded is treated as
 * always working: a camera must then be online all the time.
 */
import type { WorkingHoursJson } from "./vocabulary.js";

export const CST_OFFSET_MINUTES = 8 * 60;
const DAY = 86_400_000;

function hhmm(s: string): number {
  const [h, m] = s.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Working intervals (UTC ms) of the local calendar day starting at `dayStartUtc`. */
function intervalsOfDay(wh: WorkingHoursJson, dayStartUtc: number, isoWeekday: number): [number, number][] {
  const days = wh.days?.map((d) => (d === 0 ? 7 : d));
  if (days && !days.includes(isoWeekday)) return [];
  const s = hhmm(wh.start);
  const e = hhmm(wh.end);
  if (s === e) return [[dayStartUtc, dayStartUtc + DAY]];
  // An overnight shift belongs to the day it starts on.
  const end = e > s ? e : e + 24 * 60;
  return [[dayStartUtc + s * 60_000, dayStartUtc + end * 60_000]];
}

/** Working milliseconds between two instants. */
export function workingMsBetween(
  wh: WorkingHoursJson | null,
  from: Date,
  to: Date,
  offsetMinutes = CST_OFFSET_MINUTES,
): number {
  const a = from.getTime();
  const b = to.getTime();
  if (!(b > a)) return 0;
  if (!wh) return b - a;
  const off = offsetMinutes * 60_000;
  // Start one local day early: yesterday's overnight shift may run into `from`.
  let day = Math.floor((a + off) / DAY) * DAY - off - DAY;
  let total = 0;
  // Bounded: a camera offline for weeks still costs at most ~60 iterations.
  const last = Math.min(b, a + 60 * DAY);
  while (day <= last) {
    const weekday = ((new Date(day + off).getUTCDay() + 6) % 7) + 1;
    for (const [s, e] of intervalsOfDay(wh, day, weekday)) {
      const lo = Math.max(s, a);
      const hi = Math.min(e, b);
      if (hi > lo) total += hi - lo;
    }
    day += DAY;
  }
  return total;
}

export function isWorkingTime(
  wh: WorkingHoursJson | null,
  at: Date,
  offsetMinutes = CST_OFFSET_MINUTES,
): boolean {
  if (!wh) return true;
  return workingMsBetween(wh, new Date(at.getTime() - 1), new Date(at.getTime() + 1), offsetMinutes) > 0;
}

export interface OfflineCheck {
  status: "online" | "offline" | "stalled" | "disabled";
  /** When the camera entered this status. */
  since: Date;
}

/**
 * Should a `camera_offline` alert be raised now? Yes when the camera is offline or stalled, it is
 * working time now, and it has been down for at least `thresholdMinutes` of working time.
 */
export function cameraOfflineDue(
  check: OfflineCheck,
  wh: WorkingHoursJson | null,
  now: Date,
  thresholdMinutes: number,
  offsetMinutes = CST_OFFSET_MINUTES,
): boolean {
  if (check.status !== "offline" && check.status !== "stalled") return false;
  if (!isWorkingTime(wh, now, offsetMinutes)) return false;
  return workingMsBetween(wh, check.since, now, offsetMinutes) >= thresholdMinutes * 60_000;
}
