/**
 * The BullMQ side of event clips, in the API process: the queue (delayed jobs `clip-<alertId>`), the worker
 * that cuts them, and the sweep. A job survives an API restart (it waits in Redis); a job lost with Redis,
 * or never added, is found again by the sweep from the `alert_clips` rows.
 */
import { CLIP_JOB_OPTIONS, ClipJob, type Logger, QUEUES, type Redis } from "@mingfang/core";
import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from "bullmq";
import { Value } from "typebox/value";
import { QueueConnections } from "../queues/queue-connections.js";
import type { ClipService } from "./clip.service.js";

export interface ClipWorkersDeps {
  redis: Redis;
  logger: Logger;
  /** How often the sweep looks (the alert pipeline's sweep period). */
  sweepMs: number;
  /** Clips cut at once by this process (ffmpeg copies: cheap, but disk-bound). */
  concurrency?: number;
}

export class ClipWorkers {
  private readonly log: Logger;
  private readonly connections: QueueConnections;
  private clips: Queue | null = null;
  private worker: Worker | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: ClipWorkersDeps) {
    this.log = deps.logger.child({ component: "clip-workers" });
    this.connections = new QueueConnections(deps.redis, this.log);
  }

  /** The clips queue, for scheduling; usable without the worker. */
  queue(): Queue {
    this.clips ??= this.connections.queue(QUEUES.clips);
    return this.clips;
  }

  /**
   * Adds the clip's job (a no-op while a job of the alert exists). `retryFailed` (the sweep): a job that
   * used up its attempts while its row could not be marked failed (the database was down) is retried.
   */
  async enqueue(job: ClipJob, delayMs: number, opts: { retryFailed?: boolean } = {}): Promise<void> {
    const jobId = `clip-${job.alertId}`;
    await this.queue().add("clip", job, { jobId, delay: delayMs, ...CLIP_JOB_OPTIONS });
    if (opts.retryFailed && (await this.queue().getJobState(jobId)) === "failed") {
      await (await this.queue().getJob(jobId))?.retry("failed");
    }
  }

  start(service: ClipService): void {
    const worker = new Worker(
      QUEUES.clips,
      async (job: Job, token?: string) => {
        if (!Value.Check(ClipJob, job.data)) throw new UnrecoverableError("invalid clip job");
        const data = job.data as ClipJob;
        let status: Awaited<ReturnType<ClipService["process"]>>;
        try {
          status = await service.process(data);
        } catch (err) {
          const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          if (last) await service.markFailed(data.alertId, (err as Error).message);
          else
            this.log.warn(
              { alertId: data.alertId, err: (err as Error).message },
              "clip cut failed; retrying",
            );
          throw err;
        }
        if (typeof status === "object") {
          await job.moveToDelayed(status.notBefore, token);
          throw new DelayedError();
        }
        return { status };
      },
      {
        prefix: this.connections.prefix,
        connection: this.connections.connection(),
        concurrency: this.deps.concurrency ?? 2,
      },
    );
    worker.on("error", (err) => this.log.debug({ err: err.message }, "clip worker error"));
    this.worker = worker;
    const sweep = () => {
      if (this.closed) return;
      service
        .sweep()
        .then((n) => {
          if (n.requeued + n.scheduled > 0) this.log.info(n, "clip sweep");
        })
        .catch((err: Error) => this.log.debug({ err: err.message }, "clip sweep failed"))
        .finally(() => {
          if (this.closed) return;
          this.sweepTimer = setTimeout(sweep, this.deps.sweepMs);
          this.sweepTimer.unref();
        });
    };
    this.sweepTimer = setTimeout(sweep, Math.min(this.deps.sweepMs, 1000));
    this.sweepTimer.unref();
  }

  /** `force`: do not wait for a running cut (its job is retried after its lock lapses). */
  async close(force = false): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await Promise.all([this.worker?.close(force), this.clips?.close()]);
    this.connections.disconnectAll();
  }
}
