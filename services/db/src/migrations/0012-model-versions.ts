import type { Kysely } from "kysely";

/**
 * Model versions (issue 15): each alert records the versions of the models that raised it
 * (`centernet@1+hat-classifier@2`, from their cards; a card without a version: the ONNX file's short
 * SHA-256), so an alert can be traced to the model that made it after `mingfang models retrain` installs
 * another. Null for alerts stored before this migration and for alerts no model raised (camera_offline).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("alerts").addColumn("model_version", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("alerts").dropColumn("model_version").execute();
}
