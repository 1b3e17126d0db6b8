import type { Db } from "@mingfang/db";
import { sql } from "kysely";

/**
 * The transparent-supervision demonstration sites: what anyone may watch without signing in. A camera
 * is public when it is marked public, enabled, and its workshop is a demonstration site.
 */
export class PublicSiteRepository {
  constructor(private readonly db: Db) {}

  /**
   * The camera, if it is a public camera of a demonstration site, and whether it has privacy masks (then
   * only its masked public output may be served).
   */
  async publicCamera(cameraId: number): Promise<{ id: number; masked: boolean } | undefined> {
    const row = await this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", sql<number>`jsonb_array_length(c.privacy_masks)`.as("masks")])
      .where("c.id", "=", cameraId)
      .where("c.public", "=", true)
      .where("c.enabled", "=", true)
      .where("w.demo_site", "=", true)
      .executeTakeFirst();
    return row ? { id: row.id, masked: Number(row.masks) > 0 } : undefined;
  }

  /** Every public camera with its site (workshop) and station, by workshop then camera. */
  publicCameras() {
    return this.db
      .selectFrom("workshops as w")
      .innerJoin("stations as s", "s.id", "w.station_id")
      .innerJoin("cameras as c", "c.workshop_id", "w.id")
      .select([
        "w.id as wid",
        "w.name",
        "w.category",
        "w.address",
        "w.licence_no",
        "s.name as station",
        "c.id as cid",
        "c.name as cname",
        "c.area",
      ])
      .where("w.demo_site", "=", true)
      .where("c.public", "=", true)
      .where("c.enabled", "=", true)
      .orderBy("w.id")
      .orderBy("c.id")
      .execute();
  }
}
