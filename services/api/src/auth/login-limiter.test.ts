/**
 * The sign-in limiter on the run's Redis. Two limiters on one Redis stand for two API instances; the
 * attempts arrive at the same moment, as a password-guessing script spread over a load balancer sends them.
 */
import { randomBytes } from "node:crypto";
import { createRedis, type Redis } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LoginLimiter } from "./login-limiter.js";

describe("sign-in limiter shared by API instances", () => {
  let redis: Redis;
  const opts = { maxPerUser: 3, maxPerIp: 5, windowSeconds: 60 };
  let a: LoginLimiter;
  let b: LoginLimiter;
  beforeAll(() => {
    redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
    a = new LoginLimiter(redis, opts);
    b = new LoginLimiter(redis, opts);
  });
  afterAll(() => redis.disconnect());

  it("lets exactly the allowed number of simultaneous attempts through, on whichever instance", async () => {
    const ips = Array.from({ length: 12 }, (_, n) => `10.0.0.${n}`);
    const locks = await Promise.all(ips.map((ip, n) => (n % 2 ? a : b).attempt("wang.li", ip)));
    expect(locks.filter((s) => s === 0)).toHaveLength(opts.maxPerUser);
    for (const s of locks.filter((x) => x > 0)) expect(s).toBeGreaterThan(0);
    expect(locks.every((s) => s <= opts.windowSeconds)).toBe(true);
  });

  it("locks an address trying many names, and a right password does not charge the address", async () => {
    for (let n = 0; n < 4; n++) expect(await a.attempt(`guess${n}`, "10.1.0.1")).toBe(0);
    // The fifth attempt is a right one: it is given back, so the address still has one left after it.
    expect(await b.attempt("li.ming", "10.1.0.1")).toBe(0);
    await b.succeed("li.ming", "10.1.0.1");
    expect(await a.attempt("guess4", "10.1.0.1")).toBe(0);
    expect(await a.attempt("guess5", "10.1.0.1")).toBeGreaterThan(0);
  });

  it("forgives a name's failures after a success, and gives back nothing to a window that ended", async () => {
    expect(await a.attempt("zhao.yun", "10.2.0.1")).toBe(0);
    expect(await a.attempt("zhao.yun", "10.2.0.2")).toBe(0);
    await b.succeed("zhao.yun", "10.2.0.2");
    for (let n = 0; n < 3; n++) expect(await b.attempt("zhao.yun", `10.2.1.${n}`)).toBe(0);
    expect(await a.attempt("zhao.yun", "10.2.1.9")).toBeGreaterThan(0);
    // The address's window is over (its key expired): a success leaves no counter without an expiry.
    await a.succeed("nobody", "10.3.0.1");
    expect(await redis.exists("mf:login:fail:ip:10.3.0.1")).toBe(0);
  });
});
