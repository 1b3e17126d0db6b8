/**
 * The analytics worker: a BullMQ consumer of `frames` that analyses each frame in an inference thread,
 * applies the camera's rules, renders evidence and puts alerts on `alerts`.
 *
 * Newest wins: a frame older than `maxFrameAgeS` when picked up, or older than a frame of the same camera
 * already taken, is dropped unanalysed (counted), so a worker that cannot keep up falls behind by at most
 * that age instead of by a growing queue. Bad input fails the job with its reason (no retry) and the
 * worker carries on; a job whose JPEG blob expired or is gone is bad input too (`frame_missing`).
 *
 * The JPEGs are not in the jobs (BullMQ keeps job data as JSON): a frame job refers to a blob
 * (services/core redis/blob-store.ts), deleted once the job is done; an alert's evidence and frame are
 * stored as blobs by `enqueueAlert` for the API to read and delete.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  type AlertJob,
  type BlobStore,
  createRedis,
  FrameJob,
  type Logger,
  QUEUE_PREFIX,
  QUEUES,
  type Redis,
} from "@mingfang/core";
import { type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from "bullmq";
import { Value } from "typebox/value";
import type { FrameObservation, FramePlan } from "../analysis/frame.pipeline.js";
import { type AnalyticsConfig, type CameraRules, resolveCameraRules } from "../config.schema.js";
import { renderEvidence, renderTamperEvidence } from "../evidence/evidence.render.js";
import { ModelError } from "../models/card.js";
import { BadInputError } from "../models/image.adapter.js";
import { OutputShapeError } from "../post/yolo.decoder.js";
import { decodeRuleState, encodeRuleState } from "../rules/rule-state.js";
import { RulesEngine, type Violation } from "../rules/rules.engine.js";
import type { Analyser } from "./analyser.js";
import type { BaselineStore } from "./baseline.store.js";
import type { CameraClaims, Claim } from "./camera-claims.js";
import type { AnalyticsMetrics } from "./metrics.js";
import type { TamperStore } from "./tamper.store.js";

/** Where a camera's rules come from (the database in the platform, a map in tests). */
export type CameraRulesSource = (cameraId: number) => Promise<unknown>;

export interface FrameOutcome {
  outcome: "analysed" | "stale" | "superseded";
  alerts: string[];
  ms?: number;
}

/** A frame job's fields apart from where its bytes are. */
export type FrameMeta = Omit<FrameJob, "frameKey">;

/** A frame in memory: the job's fields and its JPEG. */
export type Frame = FrameMeta & { jpeg: Buffer };

/** Where the frame jobs' JPEGs are (a BlobStore in the platform). */
export type FrameBlobs = Pick<BlobStore, "get" | "delete">;

/** An alert's images: the evidence (boxes and labels drawn) and the frame as analysed, undrawn. */
export interface AlertMedia {
  evidence: Buffer;
  frame: Buffer;
}

export interface FrameProcessorDeps {
  config: AnalyticsConfig;
  analyser: Analyser;
  metrics: AnalyticsMetrics;
  logger: Logger;
  /** Overrides per camera (deep-merged over config.defaults and config.cameras[id]). */
  cameraRules?: CameraRulesSource;
  /** Where alerts go: `alert` has the images' SHA-256 but not their blob keys; `enqueueAlert` adds them. */
  publish(alert: AlertJob, media: AlertMedia): Promise<void>;
  /** Where learned clean baselines survive a restart (Redis in the platform); absent: memory only. */
  baselines?: BaselineStore;
  /** Where the tamper check's learned references survive a restart (Redis in the platform). */
  tamperReferences?: TamperStore;
  /**
   * Several workers on one queue (camera-claims.ts): per-camera lock, newest wins across workers, the rule
   * state in Redis. Absent: this process alone holds every camera's state (tests, evaluation, benchmarks).
   */
  claims?: CameraClaims;
  now?: () => number;
}

/** The job handler, apart from BullMQ so that the evaluation and the tests can drive it directly. */
export class FrameProcessor {
  readonly engine: RulesEngine;
  private readonly now: () => number;
  /** Cameras whose stored baselines were loaded (or found absent). */
  private readonly restored = new Set<number>();
  /** Camera → the seq of the rule state this worker saved last (claims only). */
  private readonly synced = new Map<number, string>();
  /**
   * Camera → which save of its baselines and tamper reference this process holds (a new id at each
   * save; carried in the rule state): a worker taking the camera over re-reads them only when it differs.
   */
  private readonly learned = new Map<number, string>();
  /** Camera → its rules as resolved from the source's last answer (the source caches its answers). */
  private readonly resolved = new Map<number, { source: unknown; rules: CameraRules }>();

  constructor(private readonly deps: FrameProcessorDeps) {
    this.engine = new RulesEngine(deps.analyser.caps, deps.config.thumbnail);
    this.now = deps.now ?? Date.now;
  }

  async rulesFor(cameraId: number): Promise<CameraRules> {
    const { config } = this.deps;
    const fromSource = this.deps.cameraRules ? await this.deps.cameraRules(cameraId) : undefined;
    // The same answer as last time (the source's cache): its rules are resolved already (0.6 ms a frame).
    const hit = this.resolved.get(cameraId);
    if (hit && fromSource !== undefined && hit.source === fromSource) return hit.rules;
    const fromFile = config.cameras[String(cameraId)] ?? {};
    const base = resolveCameraRules(config.defaults, fromFile, `analytics.cameras.${cameraId}`);
    const rules = resolveCameraRules(base, fromSource ?? {}, `camera ${cameraId}`);
    this.resolved.set(cameraId, { source: fromSource, rules });
    return rules;
  }

  /**
   * The queue's entry: a frame job whose JPEG is a blob. The blob is read only for a frame that is not
   * dropped (stale, superseded), and deleted once the job is done with it, whatever the outcome.
   */
  async process(data: unknown, frames: FrameBlobs): Promise<FrameOutcome> {
    const job = parseFrameJob(data);
    try {
      return await this.admitAndAnalyse(job, () => loadFrame(job.frameKey, frames));
    } finally {
      await frames.delete(job.frameKey).catch(() => {});
    }
  }

  /** A frame in memory (evaluation, benchmarks, tests): the same steps without the queue. */
  async processFrame(frame: Frame): Promise<FrameOutcome> {
    return this.admitAndAnalyse(frame, async () => frame.jpeg);
  }

  /**
   * Newest wins in this process, then (with `claims`, several workers) across workers: the camera is
   * claimed in Redis, its rule state taken over when another worker analysed it last, analysed, and
   * released with its state saved.
   */
  private async admitAndAnalyse(frame: FrameMeta, jpeg: () => Promise<Buffer>): Promise<FrameOutcome> {
    const dropped = this.admit(frame);
    if (dropped) return dropped;
    const t0 = performance.now();
    if (!this.deps.claims) return this.analyse(frame, await jpeg(), t0);
    const claim = await this.claim(frame, this.deps.claims);
    if (claim.outcome !== "claimed") {
      this.deps.metrics.frames.inc({ outcome: claim.outcome });
      return { outcome: claim.outcome, alerts: [] };
    }
    try {
      await this.takeOver(frame.cameraId, claim);
      return await this.analyse(frame, await jpeg(), t0);
    } finally {
      await this.release(frame.cameraId, claim.token, this.deps.claims);
    }
  }

  /**
   * Claims the frame's camera. While another worker analyses it (an older frame: this one is the newest),
   * the frame waits for the lock, polling with back-off (10 → 200 ms): analysing it next keeps the k-of-n
   * windows fed with the freshest frame, and the wait is at most one analysis. It gives up as `superseded`
   * as soon as a newer frame of the camera is admitted (which then waits instead), and as `stale` once
   * older than maxFrameAgeS.
   */
  private async claim(
    frame: FrameMeta,
    claims: CameraClaims,
  ): Promise<Extract<Claim, { outcome: "claimed" | "superseded" }> | { outcome: "stale" }> {
    const captured = Date.parse(frame.capturedAt);
    const token = claims.token();
    for (let delay = 10; ; delay = Math.min(2 * delay, 200)) {
      const c = await claims.claim(frame.cameraId, captured, token, this.synced.get(frame.cameraId));
      if (c.outcome !== "busy") return c;
      if ((this.now() - captured) / 1000 > this.deps.config.maxFrameAgeS) return { outcome: "stale" };
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * Another worker analysed the camera since this one saved its state: what this process holds of it is
   * old. Its baselines and tamper reference are read again from their stores, then its rule state taken over.
   */
  private async takeOver(cameraId: number, claim: Extract<Claim, { outcome: "claimed" }>): Promise<void> {
    if (!claim.state) return; // this worker's own state is current, or none is stored
    const state = decodeRuleState(claim.state);
    // The learned baselines and reference: kept when this process holds their latest save, else re-read.
    if (!state || state.learned !== this.learned.get(cameraId)) {
      this.engine.forgetCamera(cameraId);
      this.restored.delete(cameraId);
      await this.restoreBaselines(cameraId);
      if (state?.learned) this.learned.set(cameraId, state.learned);
      else this.learned.delete(cameraId);
    }
    if (state) this.engine.importRuleState(cameraId, state);
    else
      this.deps.logger.warn({ cameraId }, "camera rule state unreadable: windows and cooldowns start afresh");
  }

  /** Saves the camera's rule state and frees its lock (owner-checked). */
  private async release(cameraId: number, token: string, claims: CameraClaims): Promise<void> {
    try {
      const learned = this.learned.get(cameraId);
      const state = { ...this.engine.exportRuleState(cameraId), ...(learned ? { learned } : {}) };
      const seq = await claims.release(cameraId, token, encodeRuleState(state));
      if (seq !== undefined) return void this.synced.set(cameraId, seq);
      this.deps.logger.warn(
        { cameraId },
        "camera lock lapsed during the analysis: its rule state was not saved",
      );
    } catch (err) {
      this.deps.logger.warn({ cameraId, err: (err as Error).message }, "camera release failed");
    }
    this.synced.delete(cameraId); // next time, take over whatever is stored
  }

  /** Newest wins in this process: a frame too old, or older than one of its camera already taken, is dropped (counted). */
  private admit(frame: FrameMeta): FrameOutcome | undefined {
    const { metrics } = this.deps;
    const captured = Date.parse(frame.capturedAt);
    const age = (this.now() - captured) / 1000;
    if (age > this.deps.config.maxFrameAgeS) {
      metrics.frames.inc({ outcome: "stale" });
      return { outcome: "stale", alerts: [] };
    }
    if (!this.engine.admit(frame.cameraId, captured)) {
      metrics.frames.inc({ outcome: "superseded" });
      return { outcome: "superseded", alerts: [] };
    }
    metrics.lagSeconds.set(Math.max(0, age));
    return undefined;
  }

  /** Analyses an admitted frame: the models, the rules, the alerts. `t0`: when its handling began. */
  private async analyse(frame: FrameMeta, jpeg: Buffer, t0: number): Promise<FrameOutcome> {
    const { metrics } = this.deps;
    if (jpeg.length === 0) throw new BadInputError("empty frame (0 bytes)", "empty");
    const rules = await this.rulesFor(frame.cameraId);
    await this.restoreBaselines(frame.cameraId);
    const at = new Date(Date.parse(frame.capturedAt));
    const plan = this.engine.plan(frame.cameraId, rules, at);
    const obs = await this.deps.analyser.analyse(new Uint8Array(jpeg), plan);
    for (const [model, ms] of Object.entries(obs.ms)) metrics.modelSeconds.observe({ model }, ms / 1000);
    const violations = this.engine.evaluate(frame.cameraId, rules, obs, at);
    await this.saveBaselines(frame.cameraId);
    await this.saveTamperReference(frame.cameraId);
    this.logAnalysed(frame.cameraId, obs, plan, violations);
    const broken = this.engine.brokenFor(rules, at);
    const ids = await this.raiseAlerts(frame, jpeg, obs, violations);
    // The other checks ran and alerted; the frame still fails, visibly, for the check that could not.
    if (broken.length) throw new ModelError(broken.join("; "));
    const ms = performance.now() - t0;
    metrics.frameSeconds.observe(ms / 1000);
    metrics.frames.inc({ outcome: "analysed" });
    return { outcome: "analysed", alerts: ids, ms };
  }

  /** A camera's learned baselines, from the store, once per camera and process. */
  private async restoreBaselines(cameraId: number): Promise<void> {
    if ((!this.deps.baselines && !this.deps.tamperReferences) || this.restored.has(cameraId)) return;
    this.restored.add(cameraId);
    if (!this.deps.baselines) return this.restoreTamperReference(cameraId);
    const kept = await this.deps.baselines.load(cameraId).catch((err) => {
      this.deps.logger.warn(
        { cameraId, err: (err as Error).message },
        "baseline load failed: learning again",
      );
      return undefined;
    });
    if (kept) this.engine.restoreBaselines(cameraId, kept);
    await this.restoreTamperReference(cameraId);
  }

  /** The camera's tamper reference from the store (with the baselines: once per camera and process). */
  private async restoreTamperReference(cameraId: number): Promise<void> {
    const store = this.deps.tamperReferences;
    if (!store) return;
    const kept = await store.load(cameraId).catch((err) => {
      this.deps.logger.warn({ cameraId, err: (err as Error).message }, "tamper reference load failed");
      return undefined;
    });
    if (!kept) return;
    const rules = await this.rulesFor(cameraId);
    this.engine.tamper.restore(cameraId, kept, rules.checks.tamper.reference.samples);
  }

  private async saveTamperReference(cameraId: number): Promise<void> {
    const store = this.deps.tamperReferences;
    const changed = store ? this.engine.tamper.takeChanges(cameraId) : undefined;
    if (changed === undefined) return;
    this.learned.set(cameraId, randomUUID());
    await store
      ?.save(cameraId, changed)
      .catch((err) =>
        this.deps.logger.warn({ cameraId, err: (err as Error).message }, "tamper reference save failed"),
      );
  }

  private async saveBaselines(cameraId: number): Promise<void> {
    const changed = this.deps.baselines ? this.engine.takeBaselineChanges(cameraId) : undefined;
    if (!changed) return;
    this.learned.set(cameraId, randomUUID());
    await this.deps.baselines
      ?.save(cameraId, changed)
      .catch((err) =>
        this.deps.logger.warn({ cameraId, err: (err as Error).message }, "baseline save failed"),
      );
  }

  private logAnalysed(
    cameraId: number,
    obs: FrameObservation,
    plan: FramePlan,
    violations: Violation[],
  ): void {
    this.deps.logger.debug(
      {
        cameraId,
        size: `${obs.width}x${obs.height}`,
        motion: obs.motion,
        persons: obs.persons.length,
        hands: obs.hands.map((h) => Number(h.violation.toFixed(2))),
        heads: obs.heads.map((h) => Number(h.violation.toFixed(2))),
        unknownParts: obs.unknownParts,
        ...(obs.faces
          ? { faces: obs.faces.map((f) => Number(f.violation.toFixed(2))), unknownFaces: obs.unknownFaces }
          : {}),
        plan: {
          people: plan.people,
          hands: plan.hands,
          heads: plan.heads,
          detail: !!plan.detail,
          tamper: !!plan.tamper,
        },
        violations: violations.map((v) => v.type),
      },
      "frame analysed",
    );
  }

  /** One alert per violation, published with its evidence and frame; returns their ids. */
  private async raiseAlerts(
    frame: FrameMeta,
    jpeg: Buffer,
    obs: FrameObservation,
    violations: Violation[],
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const v of violations) {
      const { alert, media } = await this.toAlert(frame, jpeg, obs, v);
      await this.deps.publish(alert, media);
      this.deps.metrics.alerts.inc({ type: v.type });
      ids.push(alert.id);
      this.deps.logger.info(
        { cameraId: frame.cameraId, type: v.type, confidence: v.confidence, zone: v.zone, alertId: alert.id },
        "alert",
      );
    }
    return ids;
  }

  /** The alert of a violation (without its blob keys: the publisher stores the media) and its media. */
  private async toAlert(
    frame: FrameMeta,
    jpeg: Buffer,
    obs: FrameObservation,
    v: Violation,
  ): Promise<{ alert: AlertJob; media: AlertMedia }> {
    const caption = `${new Date(frame.capturedAt).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false })} · 摄像头 ${frame.cameraId}${v.zone ? ` · ${v.zone}` : ""}`;
    const ev = v.reference
      ? await renderTamperEvidence(jpeg, v.reference, v.type, v.confidence, caption)
      : await renderEvidence(jpeg, obs.width, obs.height, v.boxes, caption);
    const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
    const alert: AlertJob = {
      id: randomUUID(),
      cameraId: frame.cameraId,
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
      capturedAt: frame.capturedAt,
      evidenceSha256: ev.sha256,
      frameSha256: createHash("sha256").update(jpeg).digest("hex"),
      model: v.model.slice(0, 128),
      ...modelVersionField(v.model, this.deps.analyser.caps.versions),
      ...(v.zone ? { zone: v.zone.slice(0, 64) } : {}),
    };
    // Beside the evidence, the frame as analysed, undrawn: what a training set made from reviewed alerts needs.
    return { alert, media: { evidence: ev.jpeg, frame: jpeg } };
  }
}

/**
 * `modelVersion` of an alert: the loaded versions of the models its `model` names (`person+pose+glove` →
 * `centernet@1+movenet-lightning@1+glove-classifier@2`); names without a loaded model (the baseline) are
 * left out, and no field when none is known. `pose` stands for both keypoint models (`pose-tall` takes the
 * standing people's crops when it is loaded).
 */
export function modelVersionField(
  model: string,
  versions: Record<string, string> | undefined,
): { modelVersion?: string } {
  const known = model
    .split("+")
    .flatMap((n) => (n === "pose" ? ["pose", "pose-tall"] : [n]))
    .map((n) => versions?.[n])
    .filter((v): v is string => !!v);
  return known.length ? { modelVersion: known.join("+").slice(0, 256) } : {};
}

/** The job's fields, checked against the contract (bad_job otherwise). */
function parseFrameJob(data: unknown): FrameJob {
  if (!Value.Check(FrameJob, data)) {
    const e = [...Value.Errors(FrameJob, data)][0];
    throw new BadInputError(
      `not a frame job: ${e ? `${e.instancePath || "/"} ${e.message}` : "invalid"}`,
      "bad_job",
    );
  }
  return data as FrameJob;
}

/** A frame job's JPEG; an expired or missing blob is bad input (the job cannot be analysed), not a crash. */
async function loadFrame(key: string, frames: FrameBlobs): Promise<Buffer> {
  const jpeg = await frames.get(key);
  if (!jpeg) throw new BadInputError(`frame blob ${key} expired or missing`, "frame_missing");
  return jpeg;
}

/**
 * Puts an alert on `alerts`: its evidence and undrawn frame first, as blobs the job refers to; if the job
 * cannot be added, the blobs go too.
 */
export async function enqueueAlert(
  alerts: Queue,
  blobs: BlobStore,
  alert: AlertJob,
  media: AlertMedia,
  opts: JobsOptions,
): Promise<void> {
  const evidenceKey = await blobs.put("evidence", media.evidence);
  const frameKey = await blobs.put("alert-frame", media.frame).catch(async (err) => {
    await blobs.delete(evidenceKey).catch(() => {});
    throw err;
  });
  try {
    await alerts.add("alert", { ...alert, evidenceKey, frameKey }, opts);
  } catch (err) {
    await blobs.delete(evidenceKey, frameKey).catch(() => {});
    throw err;
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
  /** Where the jobs' JPEGs are (a blob store on the producers' Redis). */
  blobs: FrameBlobs;
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
        return await opts.processor.process(job.data, opts.blobs);
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
