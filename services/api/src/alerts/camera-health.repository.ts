import type { Db } from "@mingfang/db";
/** What the camera-health monitor reads of the cameras: which are enabled, where they are, their hours. */

export class CameraHealthRepository {
  constructor(private readonly db: Db) {}

  /** Ids of the enabled cameras (whose last status is read at start). */
  async enabledCameraIds(): Promise<number[]> {
    const rows = await this.db.selectFrom("cameras").select("id").where("enabled", "=", true).execute();
    return rows.map((r) => r.id);
  }

  /** The station and workshop of a camera (for its `camera.status` event). */
  place(cameraId: number): Promise<{ id: number; station_id: number; workshop_id: number } | undefined> {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "w.station_id", "c.workshop_id"])
      .where("c.id", "=", cameraId)
      .executeTakeFirst();
  }

  /** Whether each camera is enabled, and the working hours of its workshop. */
  hours(cameraIds: number[]): Promise<{ id: number; enabled: boolean; working_hours: unknown }[]> {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.enabled", "w.working_hours"])
      .where("c.id", "in", cameraIds)
      .execute();
  }
}
