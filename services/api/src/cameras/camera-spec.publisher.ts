/**
 * The API's side of the ingest's camera source: each camera's spec (id, enabled, the SEALED URLs as stored —
 * never decrypted here — analyse, and the privacy masks of a public camera of a demonstration site) in the Redis hash REDIS_KEYS.cameraSpecs, written when a camera is
 * created, changed or deleted and announced on REDIS_KEYS.cameraConfigChannel, so that the ingest runs
 * without a database. At start the API rewrites the whole hash from the table (cameras that no longer exist
 * go) and announces every camera whose spec differs, so that a running ingest catches up with changes made
 * while no API ran (the seed, the demo's camera split).
 */
import { type Logger, REDIS_KEYS, type Redis } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { CameraSpecRepository } from "./camera-spec.repository.js";

export interface CameraSpecDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
}

const announcement = (cameraId: number) => JSON.stringify({ cameraId });

let generation = 0;
/**
 * How many camera changes this process has published: a reader that caches what it derived from the
 * cameras (the public HLS route's PublicCameraCache) compares it to know its entries are stale.
 */
export function cameraChangeGeneration(): number {
  return generation;
}

/**
 * After a camera's creation, change or deletion: its spec written (or removed) and the change announced, in
 * one MULTI so that the ingest never reads the hash before the write it was told about. Never throws: a
 * Redis failure is logged (the next API start resyncs).
 */
export async function publishCameraSpec(deps: CameraSpecDeps, cameraId: number): Promise<void> {
  generation++;
  try {
    const spec = await new CameraSpecRepository(deps.db).find(cameraId);
    const tx = deps.redis.multi();
    if (spec) tx.hset(REDIS_KEYS.cameraSpecs, String(cameraId), JSON.stringify(spec));
    else tx.hdel(REDIS_KEYS.cameraSpecs, String(cameraId));
    tx.publish(REDIS_KEYS.cameraConfigChannel, announcement(cameraId));
    await execOrThrow(tx);
  } catch (err) {
    deps.logger.warn({ err, cameraId }, "camera change not announced to the ingest");
  }
}

/**
 * After a workshop's demo_site changed: its cameras' specs republished (their privacy masks apply only on
 * a demonstration site). Never throws, as publishCameraSpec.
 */
export async function publishWorkshopCameraSpecs(deps: CameraSpecDeps, workshopId: number): Promise<void> {
  let ids: number[] = [];
  try {
    ids = await new CameraSpecRepository(deps.db).idsOfWorkshop(workshopId);
  } catch (err) {
    deps.logger.warn({ err, workshopId }, "workshop's cameras not announced to the ingest");
  }
  for (const id of ids) await publishCameraSpec(deps, id);
}

/**
 * At API start: the hash replaced by the table's cameras in one MULTI, then each camera added, changed or
 * removed since announced. Returns the ids announced.
 */
export async function resyncCameraSpecs(deps: CameraSpecDeps): Promise<number[]> {
  const specs = await new CameraSpecRepository(deps.db).all();
  const before = await deps.redis.hgetall(REDIS_KEYS.cameraSpecs);
  const after = new Map(specs.map((s): [string, string] => [String(s.id), JSON.stringify(s)]));
  const tx = deps.redis.multi().del(REDIS_KEYS.cameraSpecs);
  if (after.size) tx.hset(REDIS_KEYS.cameraSpecs, Object.fromEntries(after));
  const changed = changedIds(before, after);
  for (const id of changed) tx.publish(REDIS_KEYS.cameraConfigChannel, announcement(id));
  await execOrThrow(tx);
  deps.logger.info(
    { cameras: after.size, announced: changed.length },
    "camera specs resynced for the ingest",
  );
  return changed;
}

/** A MULTI's first failed command as an error (ioredis resolves exec() with per-command errors). */
async function execOrThrow(tx: ReturnType<Redis["multi"]>): Promise<void> {
  const failed = (await tx.exec())?.find(([err]) => err);
  if (failed) throw failed[0];
}

/** Ids whose value differs between the two (present in one only included), ascending. */
function changedIds(before: Record<string, string>, after: Map<string, string>): number[] {
  const ids = new Set([...Object.keys(before), ...after.keys()]);
  return [...ids]
    .filter((id) => before[id] !== after.get(id))
    .map(Number)
    .filter((id) => Number.isInteger(id) && id > 0)
    .sort((a, b) => a - b);
}
