/** The one place that makes Redis connections (ioredis; BullMQ takes the same options). */
import { Redis, type RedisOptions } from "ioredis";

export type { Redis } from "ioredis";

export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, {
    // Commands wait while Redis restarts instead of failing at once; callers set their own timeouts.
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(200 * times, 3000),
    ...opts,
  });
}

export async function pingRedis(redis: Redis, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      redis.ping().then((r) => r === "PONG"),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
