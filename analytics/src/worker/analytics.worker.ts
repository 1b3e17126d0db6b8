/**
 * The analytics worker: a BullMQ consumer of `frames` that analyses each frame in an inference thread,
 * applies the camera's rules, renders evidence and puts alerts on `alerts`.
 *
 * Newest wins: a frame older than `maxFrameAgeS` when picked up, or older than a frame of the same camera
 * already taken, is dropped unanalysed (counted), so a worker that cannot keep up falls behind by at most
 * that age instead of by a growing queue. Bad input fails the job with its reason (no retry) and the
 * worker carries on.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  type AlertJob,
  createRedis,
  FrameJob,
  type Logger,
  QUEUE_PREFIX,
  QUEUES,
  type Redis,
} from "@mingfang/core";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Value } from "typebox/value";
import type { FrameObservation } from "../analysis/frame.pipeline.js";
import { type AnalyticsConfig, type CameraRules, resolveCameraRules } from "../config.schema.js";
import { renderEvidence } from "../evidence/evidence.render.js";
import { ModelError } from "../models/card.js";
import { BadInputError } from "../models/image.adapter.js";
import { OutputShapeError } from "../post/yolo.decoder.js";
import { RulesEngine, type Violation } from "../rules/rules.engine.js";
import type { Analyser } from "./analyser.js";
import type { BaselineStore } from "./baseline.store.js";
import type { AnalyticsMetrics } from "./metrics.js";

/** Where a camera's rules come from (the database in the platform, a map in tests). */
export type CameraRulesSource = (cameraId: number) => Promise<unknown>;

export interface FrameOutcome {
  outcome: "analysed" | "stale" | "superseded";
  alerts: string[];
  ms?: number;
}

export interface FrameProcessorDeps {
  config: AnalyticsConfig;
  analyser: Analyser;
  metrics: AnalyticsMetrics;
  logger: Logger;
  /** Overrides per camera (deep-merged over config.defaults and config.cameras[id]). */
  cameraRules?: CameraRulesSource;
  publish(alert: AlertJob): Promise<void>;
  /** Where learned clean baselines survive a restart (Redis in the platform); absent: memory only. */
  baselines?: BaselineStore;
  now?: () => number;
}

/** The job handler, apart from BullMQ so that the evaluation and the tests can drive it directly. */
export class FrameProcessor {
  readonly engine: RulesEngine;
  private readonly now: () => number;
  /** Cameras whose stored baselines were loaded (or found absent). */
  private readonly restored = new Set<number>();

  constructor(private readonly deps: FrameProcessorDeps) {
    this.engine = new RulesEngine(deps.analyser.caps, deps.config.thumbnail);
    this.now = deps.now ?? Date.now;
  }

  async rulesFor(cameraId: number): Promise<CameraRules> {
    const { config } = this.deps;
    const fromFile = config.cameras[String(cameraId)] ?? {};
    const fromSource = this.deps.cameraRules ? await this.deps.cameraRules(cameraId) : {};
    const base = resolveCameraRules(config.defaults, fromFile, `analytics.cameras.${cameraId}`);
    return resolveCameraRules(base, fromSource ?? {}, `camera ${cameraId}`);
  }

  async process(data: unknown): Promise<FrameOutcome> {
    const { metrics } = this.deps;
    if (!Value.Check(FrameJob, data)) {
      const e = [...Value.Errors(FrameJob, data)][0];
      throw new BadInputError(
        `not a frame job: ${e ? `${e.instancePath || "/"} ${e.message}` : "invalid"}`,
        "bad_job",
      );
    }
    const job = data as FrameJob;
    const captured = Date.parse(job.capturedAt);
    const age = (this.now() - captured) / 1000;
    if (age > this.deps.config.maxFrameAgeS) {
      metrics.frames.inc({ outcome: "stale" });
      return { outcome: "stale", alerts: [] };
    }
    if (!this.engine.admit(job.cameraId, captured)) {
      metrics.frames.inc({ outcome: "superseded" });
      return { outcome: "superseded", alerts: [] };
    }
    metrics.lagSeconds.set(Math.max(0, age));
    const t0 = performance.now();
    const jpeg = Buffer.from(job.jpeg, "base64");
    if (jpeg.length === 0) throw new BadInputError("empty frame (0 bytes after base64)", "empty");
    const rules = await this.rulesFor(job.cameraId);
    if (this.deps.baselines && !this.restored.has(job.cameraId)) {
      this.restored.add(job.cameraId);
      const kept = await this.deps.baselines.load(job.cameraId).catch((err) => {
        this.deps.logger.warn(
          { cameraId: job.cameraId, err: (err as Error).message },
          "baseline load failed: learning again",
        );
        return undefined;
      });
      if (kept) this.engine.restoreBaselines(job.cameraId, kept);
    }
    const at = new Date(captured);
    const plan = this.engine.plan(job.cameraId, rules, at);
    const obs = await this.deps.analyser.analyse(new Uint8Array(jpeg), plan);
    for (const [model, ms] of Object.entries(obs.ms)) metrics.modelSeconds.observe({ model }, ms / 1000);
    const violations = this.engine.evaluate(job.cameraId, rules, obs, at);
    const changed = this.deps.baselines ? this.engine.takeBaselineChanges(job.cameraId) : undefined;
    if (changed) {
      await this.deps.baselines
        ?.save(job.cameraId, changed)
        .catch((err) =>
          this.deps.logger.warn(
            { cameraId: job.cameraId, err: (err as Error).message },
            "baseline save failed",
          ),
        );
    }
    this.deps.logger.debug(
      {
        cameraId: job.cameraId,
        size: `${obs.width}x${obs.height}`,
        motion: obs.motion,
        persons: obs.persons.length,
        hands: obs.hands.map((h) => Number(h.violation.toFixed(2))),
        heads: obs.heads.map((h) => Number(h.violation.toFixed(2))),
        unknownParts: obs.unknownParts,
        plan: { people: plan.people, hands: plan.hands, heads: plan.heads, detail: !!plan.detail },
        violations: violations.map((v) => v.type),
      },
      "frame analysed",
    );
    const ids: string[] = [];
    const broken = this.engine.brokenFor(rules, at);
    for (const v of violations) {
      const alert = await this.toAlert(job, jpeg, obs, v);
      await this.deps.publish(alert);
      metrics.alerts.inc({ type: v.type });
      ids.push(alert.id);
      this.deps.logger.info(
        { cameraId: job.cameraId, type: v.type, confidence: v.confidence, zone: v.zone, alertId: alert.id },
        "alert",
      );
    }
    // The other checks ran and alerted; the frame still fails, visibly, for the check that could not.
    if (broken.length) throw new ModelError(broken.join("; "));
    const ms = performance.now() - t0;
    metrics.frameSeconds.observe(ms / 1000);
    metrics.frames.inc({ outcome: "analysed" });
    return { outcome: "analysed", alerts: ids, ms };
  }

  private async toAlert(job: FrameJob, jpeg: Buffer, obs: FrameObservation, v: Violation): Promise<AlertJob> {
    const caption = `${new Date(job.capturedAt).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false })} · 摄像头 ${job.cameraId}${v.zone ? ` · ${v.zone}` : ""}`;
    const ev = await renderEvidence(jpeg, obs.width, obs.height, v.boxes, caption);
    const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
    return {
      id: randomUUID(),
      cameraId: job.cameraId,
      type: v.type,
      confidence: clamp01(v.confidence),
      boxes: v.boxes.slice(0, 100).map((b) => {
        const x = clamp01(b.x1 / obs.width);
        const y = clamp01(b.y1 / obs.height);
        return {
          x,
          y,
          w: clamp01(b.x2 / obs.width) - x,
          h: clamp01(b.y2 / obs.height) - y,
          label: b.label.slice(0, 64),
          score: clamp01(b.score),
        };
      }),
      capturedAt: job.capturedAt,
      evidenceJpeg: ev.jpeg.toString("base64"),
      evidenceSha256: ev.sha256,
      // The frame as analysed, undrawn: what a training set made from reviewed alerts needs.
      frameJpeg: jpeg.toString("base64"),
      frameSha256: createHash("sha256").update(jpeg).digest("hex"),
      model: v.model.slice(0, 128),
      ...(v.zone ? { zone: v.zone.slice(0, 64) } : {}),
    };
  }
}

/** The failure reason for metrics and the job's failedReason. */
export function failureReason(err: unknown): string {
  if (err instanceof BadInputError) return err.reason;
  if (err instanceof OutputShapeError) return "model_output";
  if (err instanceof ModelError) return "model";
  return "error";
}

export interface FramesConsumerOptions {
  redisUrl: string;
  /** BullMQ prefix (default QUEUE_PREFIX; tests give each run its own). */
  prefix?: string;
  concurrency: number;
  processor: FrameProcessor;
  metrics: AnalyticsMetrics;
  logger: Logger;
}

/** A connection for BullMQ: no key prefix, commands never give up. */
function connection(url: string): Redis {
  return createRedis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (t) => Math.min(100 * t, 2000),
  });
}

export async function startFramesConsumer(
  opts: FramesConsumerOptions,
): Promise<{ alerts: Queue; stop(): Promise<void> }> {
  const prefix = opts.prefix ?? QUEUE_PREFIX;
  const log = opts.logger;
  const connections = [connection(opts.redisUrl), connection(opts.redisUrl)];
  for (const c of connections)
    c.on("error", (err) => log.debug({ err: err.message }, "redis connection error"));
  const alerts = new Queue(QUEUES.alerts, { connection: connections[0] as Redis, prefix });
  alerts.on("error", (err) => log.debug({ err: err.message }, "alerts queue error"));
  const worker = new Worker(
    QUEUES.frames,
    async (job: Job) => {
      try {
        return await opts.processor.process(job.data);
      } catch (err) {
        const reason = failureReason(err);
        opts.metrics.frames.inc({ outcome: "failed" });
        opts.metrics.failures.inc({ reason });
        log.warn({ jobId: job.id, reason, err: (err as Error).message }, "frame failed");
        // Bad frames and broken models do not get better by retrying.
        throw new UnrecoverableError(`${reason}: ${(err as Error).message}`);
      }
    },
    {
      connection: connections[1] as Redis,
      prefix,
      concurrency: opts.concurrency,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 1000, age: 24 * 3600 },
    },
  );
  worker.on("error", (err) => log.warn({ err: err.message }, "frames worker error"));
  await worker.waitUntilReady();
  return {
    alerts,
    async stop() {
      await worker.close();
      await alerts.close();
      for (const c of connections) c.disconnect();
    },
  };
}
