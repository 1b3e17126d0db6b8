/**
 * Where a camera's owner reports: frames to the `frames` queue (at most one waiting job per camera, the
 * newest frame wins; the JPEG is a blob the job refers to), the latest frame as the camera's snapshot,
 * and its status to Redis (a key that expires when the ingest dies, and a pub/sub channel for the API's
 * WebSocket push).
 */
import {
  type BlobStore,
  type CameraStatus,
  type FrameJob,
  QUEUE_PREFIX,
  QUEUES,
  REDIS_KEYS,
  type Redis,
  redisBlobStore,
} from "@mingfang/core";
import { Queue } from "bullmq";

export interface FrameSink {
  push(
    cameraId: number,
    jpeg: Buffer,
    width: number,
    height: number,
    source: "keyframe" | "fps",
  ): Promise<void>;
  close(): Promise<void>;
}

export interface StatusSink {
  publish(status: CameraStatus): Promise<void>;
}

export const SNAPSHOT_TTL_SECONDS = 60;
export const STATUS_TTL_SECONDS = 45;
export const snapshotKey = REDIS_KEYS.cameraSnapshot;

export class QueueFrameSink implements FrameSink {
  private readonly queue: Queue<FrameJob>;
  private readonly blobs: BlobStore;
  /** Each camera's last frame job and its blob, removed when a newer frame arrives while it still waits. */
  private readonly waiting = new Map<number, { jobId: string; frameKey: string }>();
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    connection: Redis,
    prefix: string = QUEUE_PREFIX,
  ) {
    this.queue = new Queue<FrameJob>(QUEUES.frames, { connection, prefix });
    this.blobs = redisBlobStore(redis);
  }

  async push(
    cameraId: number,
    jpeg: Buffer,
    width: number,
    height: number,
    source: "keyframe" | "fps",
  ): Promise<void> {
    const capturedAt = new Date().toISOString();
    await this.redis.set(snapshotKey(cameraId), jpeg, "EX", SNAPSHOT_TTL_SECONDS);
    await this.dropWaiting(cameraId);
    const frameKey = await this.blobs.put("frame", jpeg);
    const jobId = `cam-${cameraId}-${Date.now()}-${++this.seq}`;
    this.waiting.set(cameraId, { jobId, frameKey });
    try {
      await this.queue.add(
        "frame",
        { cameraId, capturedAt, frameKey, width, height, source },
        { jobId, removeOnComplete: true, removeOnFail: 50, attempts: 1 },
      );
    } catch (err) {
      await this.blobs.delete(frameKey).catch(() => {});
      throw err;
    }
  }

  /**
   * The camera's previous frame, if still waiting, is stale: drop it and its blob. If a worker holds it
   * already, remove() fails: let it be (the worker deletes the blob after analysis).
   */
  private async dropWaiting(cameraId: number): Promise<void> {
    const prev = this.waiting.get(cameraId);
    if (!prev) return;
    this.waiting.delete(cameraId);
    const removed = await this.queue.remove(prev.jobId).catch(() => 0);
    if (removed === 1) await this.blobs.delete(prev.frameKey).catch(() => {});
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export class RedisStatusSink implements StatusSink {
  constructor(private readonly redis: Redis) {}

  async publish(status: CameraStatus): Promise<void> {
    const json = JSON.stringify(status);
    await this.redis
      .multi()
      .set(REDIS_KEYS.cameraStatus(status.cameraId), json, "EX", STATUS_TTL_SECONDS)
      .publish(REDIS_KEYS.cameraStatusChannel, json)
      .exec();
  }
}
