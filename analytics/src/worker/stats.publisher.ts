/**
 * The worker's figures for the system status page: every `intervalMs` it reads its own prom-client
 * metrics, turns the change since the last reading into rates and means (frames/s, ms per frame and per
 * model), and writes them as one field of the Redis hash REDIS_KEYS.analyticsStats (field = worker id).
 * The hash expires when no worker writes any more; a reader ignores fields older than a few intervals.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type AnalyticsStats, REDIS_KEYS, type Redis } from "@mingfang/core";
import type { AnalyticsMetrics } from "./metrics.js";

/** Cumulative readings of the metrics at one moment. */
export interface StatsReading {
  atMs: number;
  analysed: number;
  failed: number;
  alerts: number;
  frameSum: number;
  frameCount: number;
  /** model → [sum of seconds, count] */
  models: Record<string, [number, number]>;
  lagSeconds: number;
}

type Values = { value: number; labels: Record<string, string | number>; metricName?: string }[];

const total = (values: Values, pick: (v: Values[number]) => boolean) =>
  values.filter(pick).reduce((s, v) => s + v.value, 0);

export async function readMetrics(m: AnalyticsMetrics, atMs = Date.now()): Promise<StatsReading> {
  const frames = (await m.frames.get()).values as Values;
  const alerts = (await m.alerts.get()).values as Values;
  const frame = (await m.frameSeconds.get()).values as Values;
  const model = (await m.modelSeconds.get()).values as Values;
  const lag = (await m.lagSeconds.get()).values as Values;
  const models: Record<string, [number, number]> = {};
  for (const v of model) {
    const name = String(v.labels.model ?? "");
    const entry = models[name] ?? [0, 0];
    models[name] = entry;
    if (v.metricName?.endsWith("_sum")) entry[0] += v.value;
    else if (v.metricName?.endsWith("_count")) entry[1] += v.value;
  }
  return {
    atMs,
    analysed: total(frames, (v) => v.labels.outcome === "analysed"),
    failed: total(frames, (v) => v.labels.outcome === "failed"),
    alerts: total(alerts, () => true),
    frameSum: total(frame, (v) => !!v.metricName?.endsWith("_sum")),
    frameCount: total(frame, (v) => !!v.metricName?.endsWith("_count")),
    models,
    lagSeconds: lag[0]?.value ?? 0,
  };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Rates and means between two readings (pure). */
export function statsBetween(worker: string, prev: StatsReading, cur: StatsReading): AnalyticsStats {
  const seconds = Math.max(0.001, (cur.atMs - prev.atMs) / 1000);
  const frames = cur.frameCount - prev.frameCount;
  const modelMs: Record<string, number> = {};
  for (const [name, [sum, count]] of Object.entries(cur.models)) {
    const [psum, pcount] = prev.models[name] ?? [0, 0];
    if (count > pcount) modelMs[name] = round(((sum - psum) / (count - pcount)) * 1000);
  }
  return {
    worker,
    at: new Date(cur.atMs).toISOString(),
    intervalSeconds: round(seconds),
    framesPerSecond: round(Math.max(0, cur.analysed - prev.analysed) / seconds),
    frameMs: frames > 0 ? round(((cur.frameSum - prev.frameSum) / frames) * 1000) : null,
    modelMs,
    lagSeconds: round(Math.max(0, cur.lagSeconds)),
    analysed: cur.analysed,
    failed: cur.failed,
    alerts: cur.alerts,
  };
}

export interface StatsPublisherOptions {
  redis: Redis;
  metrics: AnalyticsMetrics;
  intervalMs?: number;
  worker?: string;
  onError?: (err: Error) => void;
}

/** Starts publishing; returns a stop function that removes this worker's field. */
export function startStatsPublisher(opts: StatsPublisherOptions): {
  worker: string;
  tick(): Promise<AnalyticsStats>;
  stop(): Promise<void>;
} {
  const intervalMs = opts.intervalMs ?? 5000;
  const worker = opts.worker ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const key = REDIS_KEYS.analyticsStats;
  let prev: Promise<StatsReading> = readMetrics(opts.metrics);
  const tick = async () => {
    const before = await prev;
    const cur = await readMetrics(opts.metrics);
    prev = Promise.resolve(cur);
    const stats = statsBetween(worker, before, cur);
    await opts.redis
      .multi()
      .hset(key, worker, JSON.stringify(stats))
      .expire(key, Math.ceil((intervalMs * 3) / 1000))
      .exec();
    return stats;
  };
  const timer = setInterval(() => {
    tick().catch((err: Error) => opts.onError?.(err));
  }, intervalMs);
  timer.unref();
  return {
    worker,
    tick,
    async stop() {
      clearInterval(timer);
      await opts.redis.hdel(key, worker).catch(() => 0);
    },
  };
}
