import type { Kysely } from "kysely";

/**
 * Analytics: a camera's rule overrides (thresholds, persistence, cooldown, schedules, sources per check),
 * deep-merged by the analytics worker over its configured defaults. Zones stay in `cameras.zones`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("cameras").addColumn("analytics", "jsonb").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("cameras").dropColumn("analytics").execute();
}
