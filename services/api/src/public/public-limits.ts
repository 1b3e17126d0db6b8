/**
 * Rate limits of everything public, counted in Redis so that every API process shares them (as the
 * sign-in limits are). Fixed windows: a per-minute budget per address for the JSON API and pages, a larger
 * one for live video (a player fetches a playlist and a segment about every second), and per-day budgets
 * for feedback (per address and site, per address). Addresses are keyed by their salted hash, never in
 * clear. Over a budget: 429 with `retry-after` (seconds until the window ends).
 */
import { type Config, hmacHex, type Redis } from "@mingfang/core";
import type { FastifyReply } from "fastify";
import { HttpError } from "../errors.js";

export type PublicClass = "json" | "hls";

/** The local day (Asia/Shanghai, UTC+8) a time falls in, and the seconds left in it. */
export function shanghaiDay(now: number): { day: string; secondsLeft: number } {
  const local = now + 8 * 3600_000;
  const day = new Date(local).toISOString().slice(0, 10);
  const secondsLeft = Math.ceil((86_400_000 - (local % 86_400_000)) / 1000);
  return { day, secondsLeft };
}

/** Sets `retry-after` and answers 429 with the error shape. */
export function refuse(reply: FastifyReply, retryAfter: number, message: string): HttpError {
  reply.header("retry-after", String(Math.max(1, retryAfter)));
  return new HttpError(429, "too_many_requests", message);
}

export class PublicLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly ipKey: Buffer,
    private readonly config: Pick<
      Config,
      | "PUBLIC_JSON_PER_MINUTE"
      | "PUBLIC_HLS_PER_MINUTE"
      | "PUBLIC_FEEDBACK_PER_DAY"
      | "PUBLIC_FEEDBACK_PER_SITE_PER_DAY"
    >,
  ) {}

  /** The salted hash of an address: what Redis keys and the feedback table hold instead of the address. */
  ipHash(ip: string): string {
    return hmacHex(this.ipKey, ip);
  }

  private async count(key: string, ttl: number): Promise<number> {
    const res = await this.redis.multi().incr(key).expire(key, ttl, "NX").exec();
    return Number(res?.[0]?.[1] ?? 0);
  }

  /** Counts one public request; seconds to wait when past the address's budget for this minute, else 0. */
  async request(kind: PublicClass, ip: string, now = Date.now()): Promise<number> {
    const limit = kind === "hls" ? this.config.PUBLIC_HLS_PER_MINUTE : this.config.PUBLIC_JSON_PER_MINUTE;
    const minute = Math.floor(now / 60_000);
    const n = await this.count(`mf:public:rl:${kind}:${this.ipHash(ip)}:${minute}`, 61);
    return n > limit ? Math.ceil(((minute + 1) * 60_000 - now) / 1000) : 0;
  }

  /** Counts one feedback message; seconds to wait when past the per-site or per-address budget of the day. */
  async feedback(ipHash: string, workshopId: number, now = Date.now()): Promise<number> {
    const { day, secondsLeft } = shanghaiDay(now);
    const keys = [`mf:public:fb:site:${workshopId}:${ipHash}:${day}`, `mf:public:fb:ip:${ipHash}:${day}`];
    const site = await this.count(keys[0]!, 86_400 + 60);
    const all = await this.count(keys[1]!, 86_400 + 60);
    const over =
      site > this.config.PUBLIC_FEEDBACK_PER_SITE_PER_DAY || all > this.config.PUBLIC_FEEDBACK_PER_DAY;
    if (!over) return 0;
    // A refused message does not use up the budget of the other counter.
    await this.redis.multi().decr(keys[0]!).decr(keys[1]!).exec();
    return secondsLeft;
  }
}

/** Which budget a request path falls under, or null when it is not public. */
export function publicClassOf(url: string): PublicClass | null {
  const p = url.split("?")[0] ?? "";
  if (p.startsWith("/public/hls/")) return "hls";
  if (p.startsWith("/api/public/") || p === "/api/public" || p === "/public" || p.startsWith("/public/"))
    return "json";
  return null;
}
