import { type Kysely, sql } from "kysely";

/**
 * Camera uptime in working hours (the dashboard): the history of each camera's status, one row per change
 * (online / offline / stalled / disabled), written by the API's camera-health monitor. `at` is when the
 * status began as the ingest reports it (`CameraStatus.since`); the primary key (camera_id, at) is the index
 * the uptime query walks and makes two API processes recording the same change write one row.
 *
 * Also the indexes the dashboard's district-wide figures read over a period: alerts and cases by the time
 * they were created (the existing indexes lead with the station).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("camera_status_log")
    .addColumn("camera_id", "integer", (c) => c.notNull().references("cameras.id").onDelete("cascade"))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('online','offline','stalled','disabled')`),
    )
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("camera_status_log_pkey", ["camera_id", "at"])
    .execute();
  await db.schema.createIndex("alerts_created_idx").on("alerts").column("created_at").execute();
  await db.schema.createIndex("cases_created_idx").on("cases").column("created_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("cases_created_idx").execute();
  await db.schema.dropIndex("alerts_created_idx").execute();
  await db.schema.dropTable("camera_status_log").execute();
}
