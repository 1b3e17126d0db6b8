/**
 * Cameras by state: each camera of the database joined with the status the ingest keeps in Redis
 * (REDIS_KEYS.cameraStatus). A disabled camera is "disabled"; an enabled one without a valid report is
 * "unknown" (no ingest reports it, or its key expired with the ingest).
 */
import { CAMERA_HEALTH, type CameraHealth, REDIS_KEYS, type Redis, type SystemCamera } from "@mingfang/core";
import { parseReportedStatus } from "../live/camera-status.js";
import type { CameraRow } from "./system.repository.js";

/** Pure: rows and their raw status values (same order) → the page's camera list. */
export function cameraHealth(rows: CameraRow[], raws: (string | null)[]): SystemCamera[] {
  return rows.map((c, i) => {
    const s = c.enabled ? parseReportedStatus(raws[i]) : null;
    const status: CameraHealth = !c.enabled ? "disabled" : (s?.status ?? "unknown");
    return {
      id: c.id,
      name: c.name,
      workshopName: c.workshopName,
      stationId: c.stationId,
      status,
      state: s?.state ?? null,
      since: s?.since ?? null,
      lastFrameAt: s?.lastFrameAt ?? null,
      fps: s?.fps ?? null,
      lastError: s?.lastError ?? null,
      node: s?.node ?? null,
    };
  });
}

export function countByStatus(items: SystemCamera[]): Record<CameraHealth, number> {
  const counts = Object.fromEntries(CAMERA_HEALTH.map((s) => [s, 0])) as Record<CameraHealth, number>;
  for (const c of items) counts[c.status]++;
  return counts;
}

export async function readCameraHealth(redis: Redis, rows: CameraRow[]): Promise<SystemCamera[]> {
  const raws = rows.length ? await redis.mget(...rows.map((c) => REDIS_KEYS.cameraStatus(c.id))) : [];
  return cameraHealth(rows, raws);
}
