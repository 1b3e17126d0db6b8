import { afterAll, describe, expect, inject, it } from "vitest";
import { BLOB_KEY_PATTERN, BLOB_TTL_SECONDS } from "../contracts/events.js";
import { redisBlobStore } from "./blob-store.js";
import { createRedis } from "./client.js";

const redis = createRedis(inject("redisUrl"));
afterAll(() => redis.disconnect());

describe("redisBlobStore", () => {
  it("keeps bytes as a binary value under a blob key with its kind's TTL; get → null once gone", async () => {
    const blobs = redisBlobStore(redis);
    const bytes = Buffer.from([0xff, 0xd8, 0x00, 0x80, 0xff, 0xd9]); // not valid UTF-8: kept as is
    const key = await blobs.put("frame", bytes);
    expect(key).toMatch(new RegExp(BLOB_KEY_PATTERN));
    expect((await blobs.get(key))?.equals(bytes)).toBe(true);
    expect(await redis.strlen(key)).toBe(bytes.length);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(BLOB_TTL_SECONDS.frame - 5);
    expect(ttl).toBeLessThanOrEqual(BLOB_TTL_SECONDS.frame);
    const evidence = await blobs.put("evidence", bytes);
    expect(await redis.ttl(evidence)).toBeGreaterThan(BLOB_TTL_SECONDS.frame);
    await blobs.delete(key, undefined, evidence);
    expect(await blobs.get(key)).toBeNull();
    expect(await blobs.get(evidence)).toBeNull();
    await blobs.delete(); // nothing to delete: no command
  });
});
