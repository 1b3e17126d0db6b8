import { type Kysely, sql } from "kysely";

/**
 * Recordings (issue 14): video evidence for every alert, recording by policy, retention.
 *
 * - `cameras.recording_policy`: off | events (the default: an event clip per alert) | working_hours
 *   (continuous while the camera's schedule says the workshop works) | continuous. `clip_pre_seconds` /
 *   `clip_post_seconds`: the camera's clip window (null: the settings' defaults).
 * - `recording_chunks`: the index of continuous recording. A chunk is one file of concatenated MPEG-TS
 *   segments (about a minute, never across an hour or a gap) under `DATA_DIR/media/rec/<camera>/<yyyy-mm-dd>/
 *   <hh>/`; `parts` is `[[bytes, ms], …]`, one pair per segment in file order, so a VOD playlist can address
 *   each segment by byte range without opening the file.
 * - `alert_clips`: an alert's MP4 clip (one per alert), its SHA-256 and the span it really covers; `status`
 *   pending → ready | partial (the camera went offline mid-clip: the part that exists) | missing (no video
 *   at all) | failed. `purged_at`: deleted by retention (the row stays as the record of what existed).
 * - `alerts.evidence_purged_at`, `case_attachments.purged_at`: the same for evidence images and case photos.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("cameras")
    .addColumn("recording_policy", "text", (c) =>
      c
        .notNull()
        .defaultTo("events")
        .check(sql`recording_policy in ('off','events','working_hours','continuous')`),
    )
    .addColumn("clip_pre_seconds", "integer", (c) => c.check(sql`clip_pre_seconds between 0 and 120`))
    .addColumn("clip_post_seconds", "integer", (c) => c.check(sql`clip_post_seconds between 1 and 300`))
    .execute();
  await db.schema
    .createTable("recording_chunks")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("camera_id", "integer", (c) => c.notNull().references("cameras.id").onDelete("cascade"))
    .addColumn("started_at", "timestamptz", (c) => c.notNull())
    .addColumn("ended_at", "timestamptz", (c) => c.notNull())
    .addColumn("bytes", "bigint", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull().unique())
    .addColumn("parts", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("recording_chunks_camera_time_idx")
    .on("recording_chunks")
    .columns(["camera_id", "started_at"])
    .execute();
  await db.schema
    .createIndex("recording_chunks_started_idx")
    .on("recording_chunks")
    .column("started_at")
    .execute();
  await db.schema
    .createTable("alert_clips")
    .addColumn("alert_id", "uuid", (c) => c.primaryKey().references("alerts.id").onDelete("cascade"))
    .addColumn("camera_id", "integer", (c) => c.notNull().references("cameras.id").onDelete("cascade"))
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending','ready','partial','missing','failed')`),
    )
    .addColumn("requested_from", "timestamptz", (c) => c.notNull())
    .addColumn("requested_to", "timestamptz", (c) => c.notNull())
    .addColumn("started_at", "timestamptz")
    .addColumn("ended_at", "timestamptz")
    .addColumn("path", "text")
    .addColumn("sha256", "text")
    .addColumn("bytes", "bigint")
    .addColumn("error", "text")
    .addColumn("purged_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("alert_clips_created_idx").on("alert_clips").columns(["created_at"]).execute();
  // The clip sweep looks for pending rows past due: few among many.
  await sql`create index alert_clips_pending_idx on alert_clips (requested_to) where status = 'pending'`.execute(
    db,
  );
  await db.schema.alterTable("alerts").addColumn("evidence_purged_at", "timestamptz").execute();
  await db.schema.alterTable("case_attachments").addColumn("purged_at", "timestamptz").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("case_attachments").dropColumn("purged_at").execute();
  await db.schema.alterTable("alerts").dropColumn("evidence_purged_at").execute();
  await db.schema.dropTable("alert_clips").execute();
  await db.schema.dropTable("recording_chunks").execute();
  await db.schema
    .alterTable("cameras")
    .dropColumn("recording_policy")
    .dropColumn("clip_pre_seconds")
    .dropColumn("clip_post_seconds")
    .execute();
}
