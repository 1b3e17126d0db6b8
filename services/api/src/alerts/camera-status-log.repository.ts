/**
 * The history of each camera's status (`camera_status_log`, migration 0009): one row per change, which the
 * dashboard's uptime in working hours reads. Written by the camera-health monitor.
 */
import type { CameraStatus } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { sql } from "kysely";

export class CameraStatusLogRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records that the camera's status is `status` since `since`, unless that is already its last recorded
   * status (a restart of the API, or a second API process, reports the same status again). A `since`
   * not after the last row (clocks, a replayed report) is moved just after it, so the history stays ordered.
   * Returns whether a row was written.
   */
  async recordChange(cameraId: number, status: CameraStatus["status"], since: Date): Promise<boolean> {
    const r = await sql`
      insert into camera_status_log (camera_id, status, at)
      select ${cameraId}, ${status}, greatest(${since.toISOString()}::timestamptz, last.at + interval '1 millisecond')
      from (select null) one
      left join lateral (
        select l.status, l.at from camera_status_log l
        where l.camera_id = ${cameraId} order by l.at desc limit 1
      ) last on true
      where last.status is distinct from ${status}
      on conflict do nothing
      returning camera_id`.execute(this.db);
    return r.rows.length > 0;
  }
}
