/**
 * Working-hour schedules: on which weekdays and between which local times a check is armed.
 * Ranges may cross midnight ("22:00"–"06:00" belongs to the day it starts on).
 */

export interface Schedule {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: readonly number[];
  /** Local time ranges "HH:MM"; `to` is exclusive. */
  hours: readonly { from: string; to: string }[];
  /** IANA time zone of the workshop (default Asia/Shanghai). */
  timezone?: string;
}

function minutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new RangeError(`bad time '${hhmm}' (expected HH:MM)`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min > 0)) throw new RangeError(`bad time '${hhmm}'`);
  return h * 60 + min;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(at: Date, timezone: string): { weekday: number; minute: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday ?? "") + 1;
  return { weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** Is the schedule armed at this instant? A null schedule is always armed. */
export function isScheduled(schedule: Schedule | null | undefined, at: Date): boolean {
  if (!schedule) return true;
  const { weekday, minute } = localParts(at, schedule.timezone ?? "Asia/Shanghai");
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  for (const r of schedule.hours) {
    const from = minutes(r.from);
    const to = minutes(r.to);
    if (from <= to) {
      if (schedule.days.includes(weekday) && minute >= from && minute < to) return true;
    } else {
      // Crosses midnight: the evening part belongs to today, the morning part to yesterday's shift.
      if (schedule.days.includes(weekday) && minute >= from) return true;
      if (schedule.days.includes(yesterday) && minute < to) return true;
    }
  }
  return false;
}

/** Validates a schedule's times; throws with the bad value. */
export function validateSchedule(s: Schedule): void {
  for (const d of s.days)
    if (!Number.isInteger(d) || d < 1 || d > 7) throw new RangeError(`bad weekday ${d}`);
  for (const r of s.hours) {
    minutes(r.from);
    minutes(r.to);
  }
  if (s.timezone) new Intl.DateTimeFormat("en-US", { timeZone: s.timezone });
}
