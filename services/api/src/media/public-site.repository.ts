import type { Db } from "@mingfang/db";

/**
 * The transparent-supervision demonstration sites: what anyone may watch without signing in. A camera
 * is public when it is marked public, enabled, and its workshop is a demonstration site.
 */
export class PublicSiteRepository {
  constructor(private readonly db: Db) {}

  /** The camera, if it is a public camera of a demonstration site. */
  publicCamera(cameraId: number): Promise<{ id: number } | undefined> {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select("c.id")
      .where("c.id", "=", cameraId)
      .where("c.public", "=", true)
      .where("c.enabled", "=", true)
      .where("w.demo_site", "=", true)
      .executeTakeFirst();
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
