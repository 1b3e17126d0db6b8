import type { Kysely } from "kysely";

/**
 * Alert frames: beside the evidence JPEG (boxes and labels drawn, for people), the frame as the model saw
 * it, undrawn, with its SHA-256 — what a training set made from reviewed alerts needs (a model retrained
 * on pictures with boxes drawn on them learns the boxes).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("alerts")
    .addColumn("frame_path", "text")
    .addColumn("frame_sha256", "text")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("alerts").dropColumn("frame_path").dropColumn("frame_sha256").execute();
}
