/**
 * The analytics workers' figures, as each worker writes them to the Redis hash
 * REDIS_KEYS.analyticsStats (see analytics/src/worker/stats.publisher.ts): fresh entries summed (frames/s,
 * totals) or weighted by frames (ms per frame and per model); stale ones (a worker gone) removed.
 */

import { AnalyticsStats, REDIS_KEYS, type Redis, type SystemStatus } from "@mingfang/core";
import { Value } from "typebox/value";

export const STATS_FRESH_MS = 20_000;

type Summary = SystemStatus["analytics"];

const round = (x: number) => Number(x.toFixed(2));

/** Pure: the fresh workers' entries combined. */
export function combineStats(entries: AnalyticsStats[]): Summary {
  const fps = entries.reduce((s, e) => s + e.framesPerSecond, 0);
  const timed = entries.filter((e) => e.frameMs !== null && e.framesPerSecond > 0);
  const weight = timed.reduce((s, e) => s + e.framesPerSecond, 0);
  const frameMs = weight > 0 ? timed.reduce((s, e) => s + e.frameMs! * e.framesPerSecond, 0) / weight : null;
  const modelSums: Record<string, [number, number]> = {};
  for (const e of timed) {
    for (const [m, ms] of Object.entries(e.modelMs)) {
      const acc = modelSums[m] ?? [0, 0];
      modelSums[m] = acc;
      acc[0] += ms * e.framesPerSecond;
      acc[1] += e.framesPerSecond;
    }
  }
  const modelMs = Object.fromEntries(Object.entries(modelSums).map(([m, [s, w]]) => [m, round(s / w)]));
  const latest = entries.map((e) => e.at).sort();
  return {
    workers: entries.length,
    framesPerSecond: round(fps),
    frameMs: frameMs === null ? null : round(frameMs),
    modelMs,
    lagSeconds: entries.length ? Math.max(...entries.map((e) => e.lagSeconds)) : null,
    analysed: entries.reduce((s, e) => s + e.analysed, 0),
    failed: entries.reduce((s, e) => s + e.failed, 0),
    alerts: entries.reduce((s, e) => s + e.alerts, 0),
    updatedAt: latest.at(-1) ?? null,
  };
}

export async function readAnalyticsStats(redis: Redis, now = Date.now()): Promise<Summary> {
  const all = await redis.hgetall(REDIS_KEYS.analyticsStats);
  const fresh: AnalyticsStats[] = [];
  const stale: string[] = [];
  for (const [field, raw] of Object.entries(all)) {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      v = null;
    }
    if (Value.Check(AnalyticsStats, v) && now - Date.parse(v.at) <= STATS_FRESH_MS) fresh.push(v);
    else stale.push(field);
  }
  if (stale.length) await redis.hdel(REDIS_KEYS.analyticsStats, ...stale).catch(() => 0);
  return combineStats(fresh);
}
