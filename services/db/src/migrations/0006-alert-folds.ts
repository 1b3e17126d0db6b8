import type { Kysely } from "kysely";

/**
 * Alert folds: the id of every detection folded into an open alert (cooldown). A folded job that BullMQ
 * delivers twice (its worker died after the commit, before the acknowledgement) is then recognised as a
 * duplicate, and the alert's repeat_count counts each detection once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("alert_folds")
    .addColumn("job_id", "uuid", (c) => c.primaryKey())
    .addColumn("alert_id", "uuid", (c) => c.notNull().references("alerts.id").onDelete("cascade"))
    .addColumn("captured_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alert_folds_alert_idx").on("alert_folds").column("alert_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("alert_folds").execute();
}
