/**
 * The worker's stats for the system status page: rates and means between two readings of its
 * prom-client metrics, and the hash field it writes to the run's Redis (with an expiry), removed on stop.
 */
import { AnalyticsStats, createRedis, REDIS_KEYS } from "@mingfang/core";
import { Registry } from "prom-client";
import { Value } from "typebox/value";
import { afterAll, describe, expect, inject, it } from "vitest";
import { registerAnalyticsMetrics } from "./metrics.js";
import { readMetrics, startStatsPublisher, statsBetween } from "./stats.publisher.js";

const redis = createRedis(inject("redisUrl"), { keyPrefix: `t-stats-${process.pid}:` });
afterAll(() => redis.disconnect());

function analyse(m: ReturnType<typeof registerAnalyticsMetrics>, n: number, seconds: number) {
  for (let i = 0; i < n; i++) {
    m.frames.inc({ outcome: "analysed" });
    m.frameSeconds.observe(seconds);
    m.modelSeconds.observe({ model: "person" }, seconds / 2);
  }
}

describe("analytics stats", () => {
  it("turns two readings into frames/s and mean ms per frame and per model", async () => {
    const m = registerAnalyticsMetrics(new Registry());
    analyse(m, 3, 0.1);
    m.frames.inc({ outcome: "failed" });
    m.lagSeconds.set(1.5);
    const a = await readMetrics(m, 1_000);
    analyse(m, 10, 0.04);
    m.alerts.inc({ type: "no_hat" });
    const b = await readMetrics(m, 6_000);
    const s = statsBetween("w1", a, b);
    expect(Value.Check(AnalyticsStats, s)).toBe(true);
    expect(s.framesPerSecond).toBe(2);
    expect(s.frameMs).toBeCloseTo(40, 5);
    expect(s.modelMs.person).toBeCloseTo(20, 5);
    expect(s).toMatchObject({ analysed: 13, failed: 1, alerts: 1, lagSeconds: 1.5, intervalSeconds: 5 });
    expect(statsBetween("w1", b, { ...b, atMs: 11_000 })).toMatchObject({
      framesPerSecond: 0,
      frameMs: null,
    });
  });

  it("writes its field of the stats hash with an expiry and removes it on stop", async () => {
    const m = registerAnalyticsMetrics(new Registry());
    const pub = startStatsPublisher({ redis, metrics: m, intervalMs: 60_000, worker: "test-worker" });
    await pub.tick();
    analyse(m, 4, 0.05);
    await pub.tick();
    const raw = await redis.hget(REDIS_KEYS.analyticsStats, "test-worker");
    const stats = JSON.parse(raw!);
    expect(Value.Check(AnalyticsStats, stats)).toBe(true);
    expect(stats).toMatchObject({ worker: "test-worker", analysed: 4, frameMs: 50 });
    const ttl = await redis.ttl(REDIS_KEYS.analyticsStats);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(180);
    await pub.stop();
    expect(await redis.hget(REDIS_KEYS.analyticsStats, "test-worker")).toBeNull();
  });
});
