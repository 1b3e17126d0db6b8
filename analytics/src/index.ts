/**
 * @mingfang/analytics — the frame-analysis worker. `startAnalytics` is what `mingfang serve --roles
 * analytics` runs: models loaded once per inference thread, a BullMQ consumer of `frames`, alerts on
 * `alerts`, metrics on a prom-client registry.
 */
import { fileURLToPath } from "node:url";
import { ALERT_JOB_OPTIONS, createRedis, type Logger, QUEUE_PREFIX, redisBlobStore } from "@mingfang/core";
import type { Registry } from "prom-client";
import { type AnalyticsConfig, parseAnalyticsConfig } from "./config.schema.js";
import { type Analyser, createThreadPool } from "./worker/analyser.js";
import {
  type CameraRulesSource,
  enqueueAlert,
  FrameProcessor,
  startFramesConsumer,
} from "./worker/analytics.worker.js";
import { redisBaselineStore } from "./worker/baseline.store.js";
import { redisCameraClaims } from "./worker/camera-claims.js";
import {
  type AnalyticsMetrics,
  createAnalyticsRegistry,
  registerAnalyticsMetrics,
} from "./worker/metrics.js";
import { resolveExecutionProvider } from "./worker/model-set.js";
import { startStatsPublisher } from "./worker/stats.publisher.js";
import { redisTamperStore } from "./worker/tamper.store.js";

export type { Box, FrameObservation, FramePlan } from "./analysis/frame.pipeline.js";
export { type CameraRow, rulesFromCameraRow } from "./camera-rules.js";
export * from "./config.schema.js";
export { LABELS_ZH, renderEvidence } from "./evidence/evidence.render.js";
export { type Detector, loadModel, modelTypes, registerModelType } from "./models/detector.registry.js";
export { RulesEngine, type Violation } from "./rules/rules.engine.js";
export { type Analyser, createInlineAnalyser, createThreadPool } from "./worker/analyser.js";
export {
  type AlertMedia,
  type CameraRulesSource,
  enqueueAlert,
  type Frame,
  FrameProcessor,
  failureReason,
  startFramesConsumer,
} from "./worker/analytics.worker.js";
export { type CameraClaims, redisCameraClaims } from "./worker/camera-claims.js";
export {
  type AnalyticsMetrics,
  createAnalyticsRegistry,
  registerAnalyticsMetrics,
} from "./worker/metrics.js";
export { modelRoot, resolveExecutionProvider } from "./worker/model-set.js";
export { readMetrics, startStatsPublisher, statsBetween } from "./worker/stats.publisher.js";

/** The repository's models/ folder (beside analytics/), whether running from dist/ or src/. */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL("../../models", import.meta.url));

export interface StartAnalyticsOptions {
  redisUrl: string;
  logger: Logger;
  /** Analytics configuration (validated, defaults filled; see config.schema.ts). */
  config?: unknown;
  /** A camera's rule overrides (zones, schedule, checks), e.g. from the cameras table. */
  cameraRules?: CameraRulesSource;
  /** Register the metrics here (the API's registry); default: a registry of their own. */
  registry?: Registry;
  /** BullMQ prefix (default QUEUE_PREFIX). */
  prefix?: string;
}

export interface AnalyticsHandle {
  config: AnalyticsConfig;
  registry: Registry;
  metrics: AnalyticsMetrics;
  analyser: Analyser;
  processor: FrameProcessor;
  stop(): Promise<void>;
}

/** The inference threads with the models loaded, on the configured execution provider (else the CPU). */
async function loadAnalyser(config: AnalyticsConfig, log: Logger): Promise<Analyser> {
  // A GPU provider that is not available here: the CPU, said once (not once per thread and model).
  const executionProvider = await resolveExecutionProvider(config, log);
  const analyser = await createThreadPool({ ...config, executionProvider }, config.concurrency);
  if (analyser.missing.length) {
    log.warn({ missing: analyser.missing }, "model files absent: the checks that need them are not armed");
  }
  if (Object.keys(analyser.caps.broken).length) {
    log.error({ broken: analyser.caps.broken }, "models present but unusable: frames needing them fail");
  }
  log.info(
    { caps: { ...analyser.caps, custom: [...analyser.caps.custom.keys()] }, threads: config.concurrency },
    "models loaded",
  );
  return analyser;
}

export async function startAnalytics(opts: StartAnalyticsOptions): Promise<AnalyticsHandle> {
  const raw = (opts.config ?? {}) as Record<string, unknown>;
  // The repository's models/ folder unless the configuration names another.
  const config = parseAnalyticsConfig({ modelsDir: DEFAULT_MODELS_DIR, ...raw });
  const log = opts.logger.child({ component: "analytics" });
  const { registry, metrics } = opts.registry
    ? { registry: opts.registry, metrics: registerAnalyticsMetrics(opts.registry) }
    : createAnalyticsRegistry();
  const analyser = await loadAnalyser(config, log);
  let consumer: Awaited<ReturnType<typeof startFramesConsumer>> | undefined;
  const baselineRedis = createRedis(opts.redisUrl);
  baselineRedis.on("error", (err) => log.debug({ err: err.message }, "baseline store connection error"));
  const blobs = redisBlobStore(baselineRedis); // the frames' and alerts' JPEGs, which the jobs refer to
  // The cameras' locks, newest capture times and rule states, shared with the other workers (under a
  // test's own prefix, its keys apart from other runs').
  const claimsRedis = createRedis(opts.redisUrl, opts.prefix ? { keyPrefix: `${opts.prefix}:` } : {});
  claimsRedis.on("error", (err) => log.debug({ err: err.message }, "camera claims connection error"));
  try {
    const processor: FrameProcessor = new FrameProcessor({
      config,
      analyser,
      metrics,
      logger: log,
      ...(opts.cameraRules ? { cameraRules: opts.cameraRules } : {}),
      baselines: redisBaselineStore(baselineRedis, opts.prefix ?? QUEUE_PREFIX),
      tamperReferences: redisTamperStore(baselineRedis, opts.prefix ?? QUEUE_PREFIX),
      claims: redisCameraClaims(claimsRedis, { newestTtlMs: Math.ceil(config.maxFrameAgeS * 2000) }),
      publish: async (alert, media) => {
        if (!consumer) return;
        await enqueueAlert(consumer.alerts, blobs, alert, media, { jobId: alert.id, ...ALERT_JOB_OPTIONS });
      },
    });
    consumer = await startFramesConsumer({
      redisUrl: opts.redisUrl,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      concurrency: config.concurrency,
      processor,
      blobs,
      metrics,
      logger: log,
    });
    // Rates and means for the system status page, in Redis for the API (which may be another process).
    const stats = startStatsPublisher({
      redis: baselineRedis,
      metrics,
      onError: (err) => log.debug({ err: err.message }, "analytics stats not published"),
    });
    let stopping: Promise<void> | undefined;
    return {
      config,
      registry,
      metrics,
      analyser,
      processor,
      stop: () => {
        stopping ??= (async () => {
          await consumer?.stop().catch((err) => log.warn({ err }, "frames consumer stop failed"));
          await stats.stop();
          await analyser.close();
          baselineRedis.disconnect();
          claimsRedis.disconnect();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await analyser.close();
    baselineRedis.disconnect();
    claimsRedis.disconnect();
    throw err;
  }
}
export { VTEST, vtestFrame, vtestSampled } from "./eval/footage.js";
