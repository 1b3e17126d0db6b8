/**
 * BullMQ inside the API: the connection every queue and worker uses, the key prefix matching the app's Redis
 * prefix, and `QueueConnections`, the connections one part (the alert pipeline, the clips) opens, each with
 * its errors logged, closed together.
 */
import { type Logger, QUEUE_PREFIX, type QueueName, type Redis } from "@mingfang/core";
import { Queue } from "bullmq";

/** The BullMQ prefix matching a connection's key prefix (tests give each app its own). */
export function queuePrefix(redis: Redis): string {
  return `${redis.options.keyPrefix ?? ""}${QUEUE_PREFIX}`;
}

/** A connection for BullMQ: same server, no key prefix (BullMQ refuses one), commands never give up. */
export function queueConnection(redis: Redis): Redis {
  return redis.duplicate({
    keyPrefix: "",
    lazyConnect: false,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  });
}

export class QueueConnections {
  private readonly open: Redis[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  /** A new connection (a worker needs its own), its errors logged at debug level. */
  connection(): Redis {
    const c = queueConnection(this.redis);
    c.on("error", (err) => this.log.debug({ err: err.message }, "queue connection error"));
    this.open.push(c);
    return c;
  }

  /** The prefix of this app's queues. */
  get prefix(): string {
    return queuePrefix(this.redis);
  }

  /** A producer of queue `name` on a connection of its own. */
  queue(name: QueueName): Queue {
    const q = new Queue(name, { connection: this.connection(), prefix: this.prefix });
    q.on("error", (err) => this.log.debug({ err: err.message }, `${name} queue error`));
    return q;
  }

  /** After the queues and workers are closed. */
  disconnectAll(): void {
    for (const c of this.open) c.disconnect();
    this.open.length = 0;
  }
}
