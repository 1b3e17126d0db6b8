import type { Db } from "@mingfang/db";
import { sql } from "kysely";

/**
 * The one question the public HLS route asks: may this camera be watched without signing in? A camera is
 * public when it is marked public, enabled, and its workshop is a demonstration site. The public JSON
 * (sites, their record, feedback) is in `public/`.
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
}
