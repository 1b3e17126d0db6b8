import type { Db } from "@mingfang/db";

/**
 * The one question the public HLS route asks: may this camera be watched without signing in? A camera is
 * public when it is marked public, enabled, and its workshop is a demonstration site. The public JSON
 * (sites, their record, feedback) is in `public/`.
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
}
