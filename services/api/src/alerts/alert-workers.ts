/**
 * The BullMQ side of the alert pipeline, in the API process: the intake worker (QUEUES.alerts), the
 * escalation worker and its delayed jobs (QUEUES.escalations), and the escalation sweep.
 *
 * Nothing accepted is lost:
 * - a job is removed from Redis only when its alert is committed (or it is a duplicate);
 * - while the database is down the intake worker stops taking jobs (rate limit) and the job goes back
 *   to waiting without using up an attempt;
 * - a worker killed mid-job leaves its job `active` with a lock that lapses; BullMQ's stalled-job check
 *   (in any worker) moves it back to waiting; intake is idempotent on the alert id, so a job that was
 *   committed but not acknowledged to Redis is a harmless duplicate;
 * - a delayed escalation lost with Redis is caught by the sweep (alerts.escalation_due_at);
 * - an alert's images (blobs the job refers to) are deleted only once its job completed (the alert
 *   committed, folded or a duplicate, and Redis told): a retried or redelivered job finds them again; a
 *   rejected job leaves them to their TTL.
 */
import {
  ALERT_JOB_OPTIONS,
  type AlertJob,
  type BlobStore,
  EscalationJob,
  type Logger,
  QUEUES,
  type Redis,
} from "@mingfang/core";
import { type Job, type Queue, UnrecoverableError, Worker } from "bullmq";
import { Value } from "typebox/value";
import { QueueConnections } from "../queues/queue-connections.js";
import type { AlertService, IntakeOutcome } from "./alert.service.js";
import type { AlertsOptions } from "./alerts.options.js";

export interface AlertWorkersDeps {
  redis: Redis;
  /** Where the alert jobs' images are (the same store as the service's). */
  blobs: Pick<BlobStore, "delete">;
  pingDb: (timeoutMs?: number) => Promise<boolean>;
  logger: Logger;
  options: AlertsOptions;
}

export class AlertWorkers {
  private readonly log: Logger;
  private readonly connections: QueueConnections;
  private intake: Worker<AlertJob, IntakeOutcome> | null = null;
  private escalation: Worker | null = null;
  private escalations: Queue | null = null;
  private alerts: Queue | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: AlertWorkersDeps) {
    this.log = deps.logger.child({ component: "alert-workers" });
    this.connections = new QueueConnections(deps.redis, this.log);
  }

  /** The escalation queue, for scheduling; usable before `start()` and without workers. */
  queue(): Queue {
    this.escalations ??= this.connections.queue(QUEUES.escalations);
    return this.escalations;
  }

  /** Puts an alert on the alerts queue (the API's own alerts: camera_offline). Idempotent on its id. */
  async enqueue(job: AlertJob): Promise<void> {
    this.alerts ??= this.connections.queue(QUEUES.alerts);
    await this.alerts.add("alert", job, { jobId: job.id, ...ALERT_JOB_OPTIONS });
  }

  /** The images of an alert whose job completed; a failure to delete leaves them to their TTL. */
  private async dropMedia(job: AlertJob): Promise<void> {
    await this.deps.blobs
      .delete(job.evidenceKey, job.frameKey)
      .catch((err: Error) =>
        this.log.debug({ alertId: job.id, err: err.message }, "alert media not deleted"),
      );
  }

  async scheduleEscalation(alertId: string, grade: number, delayMs: number): Promise<void> {
    await this.queue().add("escalate", { alertId, grade } satisfies EscalationJob, {
      jobId: `esc-${alertId}`,
      delay: delayMs,
      attempts: 10,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /** Starts consuming: the service is handed here (it schedules escalations through this object). */
  start(service: AlertService): void {
    const { options, pingDb } = this.deps;
    const prefix = this.connections.prefix;
    const common = {
      prefix,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: 5,
    };
    const intake: Worker<AlertJob, IntakeOutcome> = new Worker<AlertJob, IntakeOutcome>(
      QUEUES.alerts,
      async (job: Job<AlertJob>) => {
        try {
          const r = await service.intake(job.data);
          if (r.outcome === "rejected") {
            this.log.warn({ jobId: job.id, alertId: r.alertId, reason: r.reason }, "alert rejected");
            throw new UnrecoverableError(r.reason);
          }
          if (r.outcome !== "created") this.log.debug({ jobId: job.id, ...r }, "alert not stored");
          return r;
        } catch (err) {
          if (err instanceof UnrecoverableError) throw err;
          // The database is down: put the job back without spending an attempt and wait.
          if (!(await pingDb(1000))) {
            this.log.warn({ jobId: job.id }, "database unavailable; alert intake paused");
            await intake.rateLimit(2000);
            throw Worker.RateLimitError();
          }
          throw err;
        }
      },
      { ...common, connection: this.connections.connection(), concurrency: options.intakeConcurrency },
    );
    intake.on("error", (err) => this.log.debug({ err: err.message }, "intake worker error"));
    // Completed = committed (or a duplicate) and acknowledged to Redis: the job cannot come back.
    intake.on("completed", (job) => void this.dropMedia(job.data));
    intake.on("failed", (job, err) => {
      if (job && !(err instanceof UnrecoverableError)) {
        this.log.warn({ jobId: job.id, attempts: job.attemptsMade, err: err.message }, "alert intake failed");
      }
    });
    this.intake = intake;

    const escalation = new Worker(
      QUEUES.escalations,
      async (job: Job) => {
        if (!Value.Check(EscalationJob, job.data)) throw new UnrecoverableError("invalid escalation job");
        return { escalated: await service.escalate((job.data as EscalationJob).alertId) };
      },
      { ...common, connection: this.connections.connection(), concurrency: 4 },
    );
    escalation.on("error", (err) => this.log.debug({ err: err.message }, "escalation worker error"));
    this.escalation = escalation;

    const sweep = () => {
      if (this.closed) return;
      service
        .sweepEscalations()
        .then((n) => {
          if (n > 0) this.log.info({ escalated: n }, "escalation sweep");
        })
        .catch((err: Error) => this.log.debug({ err: err.message }, "escalation sweep failed"))
        .finally(() => {
          if (this.closed) return;
          this.sweepTimer = setTimeout(sweep, options.sweepMs);
          this.sweepTimer.unref();
        });
    };
    this.sweepTimer = setTimeout(sweep, Math.min(options.sweepMs, 1000));
    this.sweepTimer.unref();
  }

  /** `force`: do not wait for running jobs (they are retried after their lock lapses). */
  async close(force = false): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await Promise.all([
      this.intake?.close(force),
      this.escalation?.close(force),
      this.escalations?.close(),
      this.alerts?.close(),
    ]);
    this.connections.disconnectAll();
  }
}
