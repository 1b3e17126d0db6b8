import { type Kysely, sql } from "kysely";

/**
 * Alerts: the camera area and model at intake, repetitions folded into an open alert (cooldown), who
 * closed it and when, and when it is due for escalation. Indexes for the cooldown look-up (open alerts
 * of one camera and type), the repetition count (one workshop and type over time) and the lists.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("alerts")
    .addColumn("area", "text")
    .addColumn("model", "text")
    .addColumn("zone", "text")
    .addColumn("repeat_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_seen_at", "timestamptz")
    .addColumn("escalation_due_at", "timestamptz")
    .addColumn("closed_by", "integer", (c) => c.references("users.id"))
    .addColumn("closed_at", "timestamptz")
    .addColumn("close_note", "text")
    .execute();
  await sql`create index alerts_open_camera_type_idx on alerts (camera_id, type) where status in ('new', 'acknowledged')`.execute(
    db,
  );
  await db.schema
    .createIndex("alerts_workshop_type_created_idx")
    .on("alerts")
    .columns(["workshop_id", "type", "created_at"])
    .execute();
  await db.schema.createIndex("alerts_status_idx").on("alerts").columns(["status", "created_at"]).execute();
  await db.schema.createIndex("events_station_seq_idx").on("events").columns(["station_id", "seq"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const i of [
    "events_station_seq_idx",
    "alerts_status_idx",
    "alerts_workshop_type_created_idx",
    "alerts_open_camera_type_idx",
  ]) {
    await db.schema.dropIndex(i).ifExists().execute();
  }
  await db.schema
    .alterTable("alerts")
    .dropColumn("area")
    .dropColumn("model")
    .dropColumn("zone")
    .dropColumn("repeat_count")
    .dropColumn("last_seen_at")
    .dropColumn("escalation_due_at")
    .dropColumn("closed_by")
    .dropColumn("closed_at")
    .dropColumn("close_note")
    .execute();
}
