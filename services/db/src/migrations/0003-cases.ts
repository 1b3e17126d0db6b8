/**
 * Rapid-response cases: the due and done time of every step (dispatch, on site, rectification), the
 * brigade hand-over, and the photos attached to a case (the workshop's rectification photos, on-site
 * photos), stored under DATA_DIR/media/cases with their SHA-256.
 *
 * `cases.deadline` (from 0001) is the deadline running now (dispatch, on-site or rectification; null
 * when none), kept by the case service on every transition so that "overdue" is one indexed comparison.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("cases")
    .addColumn("source", "text", (c) => c.notNull().defaultTo("manual"))
    .addColumn("dispatch_due_at", "timestamptz")
    .addColumn("dispatched_at", "timestamptz")
    .addColumn("on_site_due_at", "timestamptz")
    .addColumn("on_site_at", "timestamptz")
    .addColumn("rectification_due_at", "timestamptz")
    .addColumn("rectification_ordered_at", "timestamptz")
    .addColumn("rectified_at", "timestamptz")
    .addColumn("reviewed_at", "timestamptz")
    .addColumn("brigade_assigned_at", "timestamptz")
    .execute();
  await sql`alter table cases add constraint cases_state_check check (state in
    ('open','dispatched','on_site','rectification_ordered','rectified','reviewed','closed'))`.execute(db);
  await sql`alter table cases add constraint cases_outcome_check check (outcome is null or outcome in
    ('violation_confirmed','false_alarm','rectified','penalised','transferred'))`.execute(db);
  await sql`alter table cases add constraint cases_closed_outcome check ((state = 'closed') = (outcome is not null))`.execute(
    db,
  );
  await db.schema
    .createIndex("cases_state_deadline_idx")
    .on("cases")
    .columns(["state", "deadline"])
    .execute();
  await db.schema.createIndex("cases_workshop_idx").on("cases").column("workshop_id").execute();
  await db.schema.createIndex("case_alerts_alert_idx").on("case_alerts").column("alert_id").execute();

  await db.schema
    .createTable("case_attachments")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("case_id", "uuid", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('rectification','on_site','other')`))
    .addColumn("mime", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    /** Relative to DATA_DIR/media. */
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("file_name", "text")
    .addColumn("uploaded_by", "integer", (c) => c.references("users.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("case_attachments_case_idx").on("case_attachments").column("case_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("case_attachments").ifExists().execute();
  await db.schema.dropIndex("cases_state_deadline_idx").ifExists().execute();
  await db.schema.dropIndex("cases_workshop_idx").ifExists().execute();
  await db.schema.dropIndex("case_alerts_alert_idx").ifExists().execute();
  await sql`alter table cases drop constraint if exists cases_state_check,
    drop constraint if exists cases_outcome_check, drop constraint if exists cases_closed_outcome`.execute(
    db,
  );
  for (const c of [
    "source",
    "dispatch_due_at",
    "dispatched_at",
    "on_site_due_at",
    "on_site_at",
    "rectification_due_at",
    "rectification_ordered_at",
    "rectified_at",
    "reviewed_at",
    "brigade_assigned_at",
  ]) {
    await db.schema.alterTable("cases").dropColumn(c).execute();
  }
}
