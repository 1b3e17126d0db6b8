/**
 * A camera's rule overrides from its database row, pure: `cameras.zones` (the API's zones, each naming the
 * checks it is for), `cameras.schedule` or else the workshop's working hours, and `cameras.analytics`
 * (free-form overrides, migration 0005). Anything malformed in a row is left out rather than stopping
 * the worker; the result is validated when merged (resolveCameraRules).
 */
import { Value } from "typebox/value";
import { CHECKS, isPlainObject, ScheduleSchema, ZoneSchema } from "./config.schema.js";

export interface CameraRow {
  zones?: unknown;
  schedule?: unknown;
  analytics?: unknown;
  /** The workshop's working hours: { start: "HH:MM", end: "HH:MM", days?: number[] }. */
  workingHours?: unknown;
}

export function rulesFromCameraRow(row: CameraRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const zones = Array.isArray(row.zones) ? row.zones.filter((z) => Value.Check(ZoneSchema, z)) : [];
  const checks: Record<string, unknown> = {};
  if (zones.length) {
    out.zones = zones.map((z) => ({ name: z.name, points: z.points }));
    for (const c of CHECKS) {
      const names = zones
        .filter((z) => ((z as { checks?: unknown }).checks as unknown[] | undefined)?.includes?.(c))
        .map((z) => z.name);
      if (names.length) checks[c] = { zones: names };
    }
  }
  if (Value.Check(ScheduleSchema, row.schedule)) out.schedule = row.schedule;
  else if (isPlainObject(row.workingHours)) {
    const wh = row.workingHours as { start?: unknown; end?: unknown; days?: unknown };
    const candidate = {
      days: Array.isArray(wh.days) && wh.days.length ? wh.days : [1, 2, 3, 4, 5, 6, 7],
      hours: [{ from: wh.start, to: wh.end }],
    };
    if (Value.Check(ScheduleSchema, candidate)) out.schedule = candidate;
  }
  const extra = isPlainObject(row.analytics) ? row.analytics : {};
  const extraChecks = isPlainObject(extra.checks) ? extra.checks : {};
  const merged: Record<string, unknown> = { ...checks };
  for (const [k, v] of Object.entries(extraChecks))
    merged[k] = { ...(isPlainObject(merged[k]) ? merged[k] : {}), ...(isPlainObject(v) ? v : {}) };
  return { ...extra, ...out, ...(Object.keys(merged).length ? { checks: merged } : {}) };
}
