/**
 * Reading a camera's status as the ingest keeps it in Redis (`REDIS_KEYS.cameraStatus`): one parser for
 * the single and bulk status routes and the system page. A report that is missing, unreadable or not a
 * `CameraStatus` counts as none; a disabled camera is disabled whatever an old report says.
 */
import { CameraStatus } from "@mingfang/core";
import { Value } from "typebox/value";

/** The ingest's report, or null when there is none worth reading. */
export function parseReportedStatus(raw: string | null | undefined): CameraStatus | null {
  if (!raw) return null;
  try {
    const s: unknown = JSON.parse(raw);
    return Value.Check(CameraStatus, s) ? (s as CameraStatus) : null;
  } catch {
    return null;
  }
}

/** What a camera's status is when no ingest reports it. */
export function unreportedStatus(c: { id: number; enabled: boolean }, now: Date): CameraStatus {
  const at = now.toISOString();
  return {
    cameraId: c.id,
    status: c.enabled ? "offline" : "disabled",
    state: "unknown",
    fps: null,
    bitrateKbps: null,
    lastFrameAt: null,
    lastError: c.enabled ? "no ingest is reporting this camera" : null,
    since: at,
    restarts: 0,
    updatedAt: at,
  };
}

/** The status the console shows for a camera, from its raw Redis value. */
export function cameraStatusOf(
  c: { id: number; enabled: boolean },
  raw: string | null | undefined,
  now: Date,
): CameraStatus {
  const reported = c.enabled ? parseReportedStatus(raw) : null;
  return reported ?? unreportedStatus(c, now);
}
