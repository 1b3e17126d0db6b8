import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await createPlaces(db);
  await createPeople(db);
  await createAlerts(db);
  await createCases(db);
  await createEventsAndAudit(db);
}

/** The supervision stations, their workshops and the workshops' cameras. */
async function createPlaces(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("stations")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("code", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("pinyin", "text", (c) => c.notNull())
    .addColumn("target_demonstration_workshops", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("target_upgraded_to_enterprises", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("target_video_supervision_pilots", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("target_industry_association_activities", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("workshops")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("station_id", "integer", (c) => c.notNull().references("stations.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("licence_no", "text", (c) => c.notNull().unique())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("risk_level", "text", (c) => c.notNull().check(sql`risk_level in ('high','medium','low')`))
    .addColumn("cold_chain", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("demo_site", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("pilot", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("operator_name", "text")
    .addColumn("phone", "text")
    .addColumn("employees", "integer")
    .addColumn("working_hours", "jsonb")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("workshops_station_idx").on("workshops").column("station_id").execute();

  await db.schema
    .createTable("cameras")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("workshop_id", "integer", (c) => c.notNull().references("workshops.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("area", "text", (c) => c.notNull())
    .addColumn("source_url_enc", "text")
    .addColumn("source_url_masked", "text")
    .addColumn("onvif_url", "text")
    .addColumn("onvif_username", "text")
    .addColumn("onvif_password_enc", "text")
    .addColumn("detect_profile", "text")
    .addColumn("record_profile", "text")
    .addColumn("zones", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("schedule", "jsonb")
    .addColumn("public", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("enabled", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("cameras_workshop_idx").on("cameras").column("workshop_id").execute();
}

/** Users (scoped to a station by role) and their server-side sessions. */
async function createPeople(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("username", "text", (c) => c.notNull().unique())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) =>
      c.notNull().check(sql`role in ('bureau_admin','station_staff','duty_officer','brigade_officer')`),
    )
    .addColumn("station_id", "integer", (c) => c.references("stations.id"))
    .addColumn("disabled", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("password_changed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "users_station_scope",
      sql`(role in ('station_staff','duty_officer')) = (station_id is not null)`,
    )
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();
}

/** Alerts raised by the analytics. */
async function createAlerts(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("alerts")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("camera_id", "integer", (c) => c.notNull().references("cameras.id"))
    .addColumn("workshop_id", "integer", (c) => c.notNull().references("workshops.id"))
    .addColumn("station_id", "integer", (c) => c.notNull().references("stations.id"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("confidence", "real", (c) => c.notNull())
    .addColumn("boxes", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("grade", "smallint", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("captured_at", "timestamptz", (c) => c.notNull())
    .addColumn("evidence_path", "text")
    .addColumn("evidence_sha256", "text")
    .addColumn("acknowledged_by", "integer", (c) => c.references("users.id"))
    .addColumn("acknowledged_at", "timestamptz")
    .addColumn("ack_note", "text")
    .addColumn("escalated_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("alerts_station_created_idx")
    .on("alerts")
    .columns(["station_id", "created_at"])
    .execute();
  await db.schema.createIndex("alerts_workshop_idx").on("alerts").column("workshop_id").execute();
}

/** Rapid-response cases, the alerts they answer and their history. */
async function createCases(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("cases")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("code", "text", (c) => c.notNull().unique())
    .addColumn("station_id", "integer", (c) => c.notNull().references("stations.id"))
    .addColumn("workshop_id", "integer", (c) => c.references("workshops.id"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("assigned_brigade", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("deadline", "timestamptz")
    .addColumn("outcome", "text")
    .addColumn("opened_by", "integer", (c) => c.references("users.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("closed_at", "timestamptz")
    .execute();
  await db.schema.createIndex("cases_station_idx").on("cases").column("station_id").execute();

  await db.schema
    .createTable("case_alerts")
    .addColumn("case_id", "uuid", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("alert_id", "uuid", (c) => c.notNull().references("alerts.id"))
    .addPrimaryKeyConstraint("case_alerts_pk", ["case_id", "alert_id"])
    .execute();

  await db.schema
    .createTable("case_events")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("case_id", "uuid", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor_id", "integer", (c) => c.references("users.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("from_state", "text")
    .addColumn("to_state", "text")
    .addColumn("note", "text")
    .addColumn("data", "jsonb")
    .execute();
  await db.schema.createIndex("case_events_case_idx").on("case_events").column("case_id").execute();
}

/** The event log (WebSocket replay) and the append-only audit log. */
async function createEventsAndAudit(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("events")
    .addColumn("seq", "bigserial", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("station_id", "integer")
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor_id", "integer")
    .addColumn("actor_username", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("station_id", "integer")
    .addColumn("ip", "text")
    .addColumn("detail", "jsonb")
    .execute();
  await db.schema.createIndex("audit_log_at_idx").on("audit_log").column("at").execute();

  // The audit log is append-only: the database itself refuses UPDATE and DELETE on it.
  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_append_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    "audit_log",
    "events",
    "case_events",
    "case_alerts",
    "cases",
    "alerts",
    "sessions",
    "users",
    "cameras",
    "workshops",
    "stations",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop function if exists audit_log_append_only()`.execute(db);
}
