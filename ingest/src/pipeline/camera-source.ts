/**
 * Where the ingest learns which cameras to run. The ingest owns this interface; the parts meet only over
 * Redis and HTTP, so the implementation reads the hash the API keeps (REDIS_KEYS.cameraSpecs) and loads no
 * database driver. The URLs come sealed, exactly as stored; the ingest opens them with its keyring.
 */
import { type CameraSpecRecord, parseCameraSpecRecord, REDIS_KEYS, type Redis } from "@mingfang/core";

export interface CameraSource {
  /** The ids of the enabled cameras, ascending. */
  enabledIds(): Promise<number[]>;
  /** One camera, or undefined when it does not exist (deleted). */
  get(id: number): Promise<CameraSpecRecord | undefined>;
}

/** The cameras as the API published them in Redis. */
export class RedisCameraSource implements CameraSource {
  constructor(private readonly redis: Redis) {}

  async enabledIds(): Promise<number[]> {
    const all = await this.redis.hgetall(REDIS_KEYS.cameraSpecs);
    return Object.values(all)
      .map(parseCameraSpecRecord)
      .filter((r): r is CameraSpecRecord => r?.enabled === true)
      .map((r) => r.id)
      .sort((a, b) => a - b);
  }

  async get(id: number): Promise<CameraSpecRecord | undefined> {
    return parseCameraSpecRecord(await this.redis.hget(REDIS_KEYS.cameraSpecs, String(id)));
  }
}
