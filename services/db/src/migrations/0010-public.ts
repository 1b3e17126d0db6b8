import { type Kysely, sql } from "kysely";

/**
 * The public transparent-supervision pages (issue 13, part 4).
 *
 * - `cameras.privacy_masks`: polygons (normalised [x, y] points, as zones) blurred into the camera's
 *   public stream only; the private stream stays unmasked.
 * - `public_feedback`: what citizens leave on a demonstration site's page (表扬 / 建议 / 投诉), without an
 *   account. It arrives in the station's console as an item to answer and close. The sender's IP is kept
 *   only as a salted hash (for rate limits and abuse review), never in clear; `contact` is optional and
 *   never shown publicly.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("cameras")
    .addColumn("privacy_masks", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema
    .createTable("public_feedback")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("workshop_id", "integer", (c) => c.notNull().references("workshops.id").onDelete("cascade"))
    .addColumn("station_id", "integer", (c) => c.notNull().references("stations.id"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('praise','suggestion','complaint')`))
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("contact", "text")
    .addColumn("ip_hash", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("open").check(sql`status in ('open','answered','closed')`),
    )
    .addColumn("reply", "text")
    .addColumn("handled_by", "integer", (c) => c.references("users.id"))
    .addColumn("answered_at", "timestamptz")
    .addColumn("closed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("public_feedback_station_idx")
    .on("public_feedback")
    .columns(["station_id", "status", "created_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("public_feedback").execute();
  await db.schema.alterTable("cameras").dropColumn("privacy_masks").execute();
}
