import type { Kysely } from "kysely";

/** Ingest: a camera's sub-stream (analysis) and whether it is analysed. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("cameras")
    .addColumn("sub_url_enc", "text")
    .addColumn("sub_url_masked", "text")
    .addColumn("analyse", "boolean", (c) => c.notNull().defaultTo(true))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("cameras")
    .dropColumn("sub_url_enc")
    .dropColumn("sub_url_masked")
    .dropColumn("analyse")
    .execute();
}
