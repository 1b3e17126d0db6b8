/**
 * Binary values referenced by queue jobs: BullMQ stores job data as JSON, so a JPEG inside a job costs a
 * third more memory as base64 and is parsed and copied with the job on every move between its lists. A
 * job carries the key of a blob instead (REDIS_KEYS.blob), which expires by itself (BLOB_TTL_SECONDS)
 * and is deleted by the consumer once done with it.
 */
import { randomUUID } from "node:crypto";
import { BLOB_TTL_SECONDS, type BlobKind, REDIS_KEYS } from "../contracts/events.js";
import type { Redis } from "./client.js";

export interface BlobStore {
  /** Stores the bytes under a new key with the kind's TTL; returns the key for the job. */
  put(kind: BlobKind, bytes: Buffer): Promise<string>;
  /** The bytes, or null when the blob expired or never existed. */
  get(key: string): Promise<Buffer | null>;
  /** Deletes the blobs (absent keys are ignored). */
  delete(...keys: (string | undefined)[]): Promise<void>;
}

/**
 * A blob store on a Redis connection. The connection's key prefix applies (as for every other key of
 * REDIS_KEYS), so producer and consumer must use the same one.
 */
export function redisBlobStore(redis: Redis): BlobStore {
  return {
    async put(kind, bytes) {
      const key = REDIS_KEYS.blob(kind, randomUUID());
      await redis.set(key, bytes, "EX", BLOB_TTL_SECONDS[kind]);
      return key;
    },
    get: (key) => redis.getBuffer(key),
    async delete(...keys) {
      const present = keys.filter((k): k is string => !!k);
      if (present.length) await redis.del(...present);
    },
  };
}
