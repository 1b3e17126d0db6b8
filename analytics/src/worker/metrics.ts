/**
 * Prometheus metrics of the analytics worker (prom-client). `registerAnalyticsMetrics(registry)` puts
 * them on a registry the API merges into /metrics (or the worker process serves).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface AnalyticsMetrics {
  frames: Counter<"outcome">;
  failures: Counter<"reason">;
  alerts: Counter<"type">;
  frameSeconds: Histogram<string>;
  modelSeconds: Histogram<"model">;
  lagSeconds: Gauge<string>;
}

export function registerAnalyticsMetrics(registry: Registry): AnalyticsMetrics {
  const registers = [registry];
  return {
    frames: new Counter({
      name: "mingfang_analytics_frames_total",
      help: "Frames taken from the frames queue, by outcome (analysed, stale, superseded, failed).",
      labelNames: ["outcome"],
      registers,
    }),
    failures: new Counter({
      name: "mingfang_analytics_frame_failures_total",
      help: "Frames that failed, by reason (empty, not_jpeg, truncated, corrupt, bad_job, frame_missing, model_output, model).",
      labelNames: ["reason"],
      registers,
    }),
    alerts: new Counter({
      name: "mingfang_analytics_alerts_total",
      help: "Alerts put on the alerts queue, by type.",
      labelNames: ["type"],
      registers,
    }),
    frameSeconds: new Histogram({
      name: "mingfang_analytics_frame_seconds",
      help: "Time to analyse one frame (decode, models, rules, evidence).",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    modelSeconds: new Histogram({
      name: "mingfang_analytics_model_seconds",
      help: "Time spent in each model (and decode/thumbnail) per frame.",
      labelNames: ["model"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
      registers,
    }),
    lagSeconds: new Gauge({
      name: "mingfang_analytics_lag_seconds",
      help: "Age of the last frame analysed when its analysis began (capture to pick-up).",
      registers,
    }),
  };
}

/** A registry with only the analytics metrics, for a process that serves them itself or to merge. */
export function createAnalyticsRegistry(): { registry: Registry; metrics: AnalyticsMetrics } {
  const registry = new Registry();
  return { registry, metrics: registerAnalyticsMetrics(registry) };
}
