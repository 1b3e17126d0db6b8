/**
 * The worker tests' side of the queues: a producer on `frames`, a reader of `alerts`, the `frames` events
 * (to wait for a job's outcome), on their own connections under the test's prefix; `close` empties and
 * closes them.
 */
import { QUEUES } from "@mingfang/core";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";

export interface TestQueues {
  frames: Queue;
  alerts: Queue;
  events: QueueEvents;
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
  return {
    frames,
    alerts,
    events,
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
