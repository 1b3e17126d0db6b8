/**
 * Sign-in rate limits, per user name and per client address, counted in Redis so that every API process
 * shares them. A name or address with too many failures in the window is locked until the window ends.
 *
 * Each attempt is counted BEFORE its password is checked, in one atomic step: attempts made at the same
 * moment (on one API instance or spread over several behind a load balancer) cannot all pass a check that
 * none of them has counted yet. A successful attempt then takes its count back: the name's failures are
 * forgiven and the address is not charged for it.
 */
import type { Redis } from "@mingfang/core";

export interface LimiterOptions {
  maxPerUser: number;
  maxPerIp: number;
  windowSeconds: number;
}

/** Takes one back from a counter that still exists (one that expired meanwhile is left alone). */
const GIVE_BACK = `if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0`;

export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly opts: LimiterOptions,
  ) {}

  private keys(username: string, ip: string) {
    return { u: `mf:login:fail:u:${username.toLowerCase()}`, i: `mf:login:fail:ip:${ip}` };
  }

  /**
   * Counts an attempt. Returns the seconds until the lock ends when this attempt is over a limit (it must
   * be refused without checking the password), else 0: go on, and call `succeed` if the password is right.
   */
  async attempt(username: string, ip: string): Promise<number> {
    const k = this.keys(username, ip);
    const w = this.opts.windowSeconds;
    const replies = await this.redis
      .multi()
      .incr(k.u)
      .expire(k.u, w, "NX")
      .incr(k.i)
      .expire(k.i, w, "NX")
      .ttl(k.u)
      .ttl(k.i)
      .exec();
    const [u, , i, , ttlU, ttlI] = (replies ?? []).map(([err, v]) => {
      if (err) throw err;
      return Number(v);
    }) as [number, number, number, number, number, number];
    const locks: number[] = [];
    if (u > this.opts.maxPerUser) locks.push(ttlU);
    if (i > this.opts.maxPerIp) locks.push(ttlI);
    return locks.length === 0 ? 0 : Math.max(1, ...locks);
  }

  /** The attempt was right: the name starts afresh, and the address gets its attempt back. */
  async succeed(username: string, ip: string): Promise<void> {
    const k = this.keys(username, ip);
    await this.redis.del(k.u);
    await this.redis.eval(GIVE_BACK, 1, k.i);
  }
}
