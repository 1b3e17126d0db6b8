/**
 * When the archiver records a camera (docs/recordings.md, "Continuous recording"). Pure.
 *
 * `continuous`: always. `working_hours`: while the workshop works, decided exactly as the analytics decides
 * when its checks are armed (analytics/src/camera-rules.ts): the camera's own schedule (`cameras.schedule`,
 * CameraSchedule) when it has a valid one, else its workshop's working hours, else always. Each range is
 * checked with core's `isWorkingTime` (services/core/src/domain/working-hours.ts): no second implementation.
 */
import { CameraSchedule, isWorkingTime, type WorkingHoursJson } from "@mingfang/core";
import { Value } from "typebox/value";

const HHMM = /^([01]?\d|2[0-4]):[0-5]\d$/;

function isWorkingHours(v: unknown): v is WorkingHoursJson {
  if (!v || typeof v !== "object") return false;
  const w = v as { start?: unknown; end?: unknown; days?: unknown };
  return (
    typeof w.start === "string" &&
    typeof w.end === "string" &&
    HHMM.test(w.start) &&
    HHMM.test(w.end) &&
    (w.days === undefined || w.days === null || Array.isArray(w.days))
  );
}

/** Does the workshop work at `at`, for a camera with this schedule in a workshop with these hours? */
export function workshopWorks(schedule: unknown, workingHours: unknown, at: Date): boolean {
  if (Value.Check(CameraSchedule, schedule)) {
    return schedule.hours.some((h) => isWorkingTime({ start: h.from, end: h.to, days: schedule.days }, at));
  }
  if (isWorkingHours(workingHours)) {
    const days = Array.isArray(workingHours.days) && workingHours.days.length ? workingHours.days : undefined;
    return isWorkingTime({ start: workingHours.start, end: workingHours.end, ...(days ? { days } : {}) }, at);
  }
  return true;
}

/** Should the archiver record this camera now? */
export function recordsNow(
  c: { policy: string; schedule: unknown; workingHours: unknown },
  at: Date,
): boolean {
  if (c.policy === "continuous") return true;
  if (c.policy === "working_hours") return workshopWorks(c.schedule, c.workingHours, at);
  return false;
}
