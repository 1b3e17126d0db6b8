/**
 * Sign-in rate limits, per user name and per client address, counted in Redis so that every API process
 * shares them. A name or address with too many failures in the window is locked until the window ends.
 */
import type { Redis } from "@mingfang/core";

export interface LimiterOptions {
  maxPerUser: number;
  maxPerIp: number;
  windowSeconds: number;
}

export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly opts: LimiterOptions,
  ) {}

  private keys(username: string, ip: string) {
    return { u: `mf:login:fail:u:${username.toLowerCase()}`, i: `mf:login:fail:ip:${ip}` };
  }

  /** Seconds until the lock ends, or 0 when sign-in may be tried. */
  async lockedFor(username: string, ip: string): Promise<number> {
    const k = this.keys(username, ip);
    const [u, i] = await this.redis.mget(k.u, k.i);
    const lockedKeys: string[] = [];
    if (Number(u ?? 0) >= this.opts.maxPerUser) lockedKeys.push(k.u);
    if (Number(i ?? 0) >= this.opts.maxPerIp) lockedKeys.push(k.i);
    if (lockedKeys.length === 0) return 0;
    const ttls = await Promise.all(lockedKeys.map((key) => this.redis.ttl(key)));
    return Math.max(1, ...ttls);
  }

  async fail(username: string, ip: string): Promise<void> {
    const k = this.keys(username, ip);
    await this.redis
      .multi()
      .incr(k.u)
      .expire(k.u, this.opts.windowSeconds, "NX")
      .incr(k.i)
      .expire(k.i, this.opts.windowSeconds, "NX")
      .exec();
  }

  async succeed(username: string): Promise<void> {
    await this.redis.del(this.keys(username, "").u);
  }
}
