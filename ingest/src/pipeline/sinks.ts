/**
 * Where a camera's owner reports: frames to the `frames` queue (at most one waiting job per camera, the
 * newest frame wins), the latest frame as the camera's snapshot, and its status to Redis (a key that
 * expires when the ingest dies, and a pub/sub channel for the API's WebSocket push).
 */
import {
  type CameraStatus,
  type FrameJob,
  QUEUE_PREFIX,
  QUEUES,
  REDIS_KEYS,
  type Redis,
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
  /** The job id of each camera's last frame, removed when a newer frame arrives while it still waits. */
  private readonly waiting = new Map<number, string>();
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    connection: Redis,
    prefix: string = QUEUE_PREFIX,
  ) {
    this.queue = new Queue<FrameJob>(QUEUES.frames, { connection, prefix });
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
    const prev = this.waiting.get(cameraId);
    if (prev) {
      // Still waiting? Then it is stale: drop it. If a worker holds it already, remove() fails: let it be.
      await this.queue.remove(prev).catch(() => 0);
    }
    const jobId = `cam-${cameraId}-${Date.now()}-${++this.seq}`;
    this.waiting.set(cameraId, jobId);
    await this.queue.add(
      "frame",
      { cameraId, capturedAt, jpeg: jpeg.toString("base64"), width, height, source },
      { jobId, removeOnComplete: true, removeOnFail: 50, attempts: 1 },
    );
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
