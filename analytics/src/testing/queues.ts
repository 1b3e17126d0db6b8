/**
 * The worker tests' side of the queues: a producer on `frames` (`addFrame` stores the JPEG as a blob the
 * job refers to, as the ingest does), a reader of `alerts` and of the blobs its jobs refer to, the
 * `frames` events (to wait for a job's outcome), on their own connections under the test's prefix;
 * `close` empties and closes them.
 */
import { type BlobStore, type FrameJob, QUEUES, redisBlobStore } from "@mingfang/core";
import { type Job, type JobsOptions, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";

export interface TestQueues {
  frames: Queue;
  alerts: Queue;
  events: QueueEvents;
  blobs: BlobStore;
  /** Stores the JPEG as a frame blob and queues a job that refers to it (with `extra` over the fields). */
  addFrame(
    frame: Omit<FrameJob, "frameKey"> & { jpeg: Buffer },
    opts?: JobsOptions,
    extra?: Record<string, unknown>,
  ): Promise<Job>;
  close(): Promise<void>;
}

export async function openTestQueues(redisUrl: string, prefix: string): Promise<TestQueues> {
  const conns: Redis[] = [];
  const conn = () => {
    const c = new Redis(redisUrl, { maxRetriesPerRequest: null });
    conns.push(c);
    return c;
  };
  const frames = new Queue(QUEUES.frames, { connection: conn(), prefix });
  const alerts = new Queue(QUEUES.alerts, { connection: conn(), prefix });
  const events = new QueueEvents(QUEUES.frames, { connection: conn(), prefix });
  await events.waitUntilReady();
  const blobs = redisBlobStore(conn());
  return {
    frames,
    alerts,
    events,
    blobs,
    async addFrame({ jpeg, ...fields }, opts, extra = {}) {
      const frameKey = await blobs.put("frame", jpeg);
      return frames.add("frame", { ...fields, frameKey, ...extra }, opts);
    },
    async close() {
      await events.close();
      await frames.obliterate({ force: true }).catch(() => {});
      await alerts.obliterate({ force: true }).catch(() => {});
      await frames.close();
      await alerts.close();
      for (const c of conns) c.disconnect();
    },
  };
}
