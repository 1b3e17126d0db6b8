/**
 * The frame sink on the run's Redis, without ffmpeg: a frame is a job that refers to a binary blob with a
 * TTL; a newer frame of the same camera replaces a waiting one and deletes the replaced blob.
 */
import { BLOB_TTL_SECONDS, createRedis, type FrameJob, QUEUES, type Redis } from "@mingfang/core";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { QueueFrameSink } from "./sinks.js";

const prefix = `t-sinks-${process.pid}-${Date.now()}`;
let redis: Redis;
let queueConn: Redis;
let sink: QueueFrameSink;
let q: Queue<FrameJob>;

beforeAll(() => {
  redis = createRedis(inject("redisUrl"));
  queueConn = createRedis(inject("redisUrl"), { maxRetriesPerRequest: null });
  sink = new QueueFrameSink(redis, queueConn, prefix);
  q = new Queue<FrameJob>(QUEUES.frames, { connection: queueConn, prefix });
});

afterAll(async () => {
  await sink?.close();
  await q?.obliterate({ force: true }).catch(() => {});
  await q?.close();
  redis?.disconnect();
  queueConn?.disconnect();
});

const jpeg = (n: number) =>
  Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(2000, n), Buffer.from([0xff, 0xd9])]);

describe("QueueFrameSink", () => {
  it("queues a reference to a binary blob with a TTL; the newest frame of a camera replaces the waiting one and its blob", async () => {
    await sink.push(41, jpeg(1), 640, 360, "keyframe");
    const [first] = await q.getWaiting();
    expect(first?.data).toMatchObject({ cameraId: 41, width: 640, height: 360, source: "keyframe" });
    expect(first?.data).not.toHaveProperty("jpeg");
    const firstKey = first!.data.frameKey;
    expect(firstKey).toMatch(/^mingfang:blob:frame:/);
    expect((await redis.getBuffer(firstKey))?.equals(jpeg(1))).toBe(true);
    const ttl = await redis.ttl(firstKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(BLOB_TTL_SECONDS.frame);

    await sink.push(41, jpeg(2), 640, 360, "keyframe");
    await sink.push(42, jpeg(3), 640, 360, "fps");
    const waiting = await q.getWaiting();
    expect(waiting.map((j) => j.data.cameraId).sort()).toEqual([41, 42]);
    const newest = waiting.find((j) => j.data.cameraId === 41)!;
    expect((await redis.getBuffer(newest.data.frameKey))?.equals(jpeg(2))).toBe(true);
    // The replaced frame's blob went with its job.
    expect(await redis.exists(firstKey)).toBe(0);
  });
});
