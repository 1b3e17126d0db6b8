/**
 * Queue depths and lag of the platform's BullMQ queues (frames, alerts, escalations): job counts by
 * state and the age of the oldest waiting job, read without loading any job's data (frames carry JPEGs).
 */

import { type Logger, QUEUES, type Redis, type SystemQueue } from "@mingfang/core";
import { Queue } from "bullmq";
import { queueConnection, queuePrefix } from "../queues/queue-connections.js";

export const WATCHED_QUEUES = [QUEUES.frames, QUEUES.alerts, QUEUES.escalations] as const;

export class QueueStats {
  private readonly connection: Redis;
  private readonly queues: Queue[];

  constructor(redis: Redis, logger: Logger) {
    this.connection = queueConnection(redis);
    this.connection.on("error", (err) => logger.debug({ err: err.message }, "queue stats connection error"));
    const prefix = queuePrefix(redis);
    this.queues = WATCHED_QUEUES.map((name) => new Queue(name, { connection: this.connection, prefix }));
    for (const q of this.queues)
      q.on("error", (err) => logger.debug({ err: err.message }, "queue stats error"));
  }

  async read(now = Date.now()): Promise<SystemQueue[]> {
    return Promise.all(this.queues.map((q) => this.one(q, now)));
  }

  private async one(q: Queue, now: number): Promise<SystemQueue> {
    const counts = await q.getJobCounts("waiting", "active", "delayed", "failed");
    const [oldest] = await q.getRanges(["wait"], 0, 0, true);
    let oldestWaitingSeconds: number | null = null;
    if (oldest) {
      const ts = Number(await this.connection.hget(q.toKey(oldest), "timestamp"));
      if (Number.isFinite(ts) && ts > 0)
        oldestWaitingSeconds = Math.max(0, Math.round((now - ts) / 100) / 10);
    }
    return {
      name: q.name,
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      oldestWaitingSeconds,
    };
  }

  async close(): Promise<void> {
    for (const q of this.queues) await q.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
