/** The rules the plan's records share: a calendar day of the plan is a day in Asia/Shanghai. */
import { badRequest } from "../errors.js";

/** Today in Asia/Shanghai (UTC+8 all year: China keeps no daylight saving time), as YYYY-MM-DD. */
export function shanghaiToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** A title, an upgrade or an activity is recorded once it has happened: a day after today is a 400. */
export function checkNotFuture(field: string, day: string, now: Date = new Date()): void {
  const today = shanghaiToday(now);
  if (day > today) throw badRequest(field, `body: '${field}' ${day} is in the future (today is ${today})`);
}
