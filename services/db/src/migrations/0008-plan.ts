import { type Kysely, sql } from "kysely";

/**
 * The plan's other targets as data (Annex 1): a workshop's demonstration title and its upgrade to an
 * enterprise (columns of the workshop: at most one of each, history in the audit log), and the
 * industry-association activities of a station with their photos.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("workshops")
    .addColumn("demonstration_level", "text", (c) =>
      c.check(sql`demonstration_level in ('demonstration','outstanding')`),
    )
    .addColumn("demonstration_awarded_on", "date")
    .addColumn("demonstration_decision_ref", "text")
    .addColumn("upgraded_on", "date")
    .addColumn("enterprise_licence_no", "text")
    .execute();

  await db.schema
    .createTable("association_activities")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("station_id", "integer", (c) => c.notNull().references("stations.id"))
    .addColumn("held_on", "date", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("participants", "integer", (c) => c.notNull().check(sql`participants > 0`))
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("association_activities_station_held_idx")
    .on("association_activities")
    .columns(["station_id", "held_on"])
    .execute();

  await db.schema
    .createTable("activity_photos")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("activity_id", "integer", (c) =>
      c.notNull().references("association_activities.id").onDelete("cascade"),
    )
    .addColumn("mime", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("file_name", "text")
    .addColumn("uploaded_by", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("activity_photos_activity_idx")
    .on("activity_photos")
    .column("activity_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("activity_photos").execute();
  await db.schema.dropTable("association_activities").execute();
  await db.schema
    .alterTable("workshops")
    .dropColumn("demonstration_level")
    .dropColumn("demonstration_awarded_on")
    .dropColumn("demonstration_decision_ref")
    .dropColumn("upgraded_on")
    .dropColumn("enterprise_licence_no")
    .execute();
}
