/**
 * The recorder inside the API: the archiver (continuous recording by policy, archiver.ts) and the retention
 * loop (retention and the disk watermark, retention.ts), started with the app unless
 * `ApiDeps.recordings.workers` is false, stopped on `app.close()` (open chunks are closed and indexed).
 *
 * One recorder per deployment: with several API processes, the one holding a Redis lease
 * (`mingfang:recorder:leader`, 30 s, renewed every 10 s) runs them; the others wait and take over within 30 s
 * when it goes (the live folders' buffer, RECORDING_BUFFER_SECONDS, covers the hand-over).
 *
 * Metrics in the app's registry (/metrics): `mingfang_recording_segments_archived_total`,
 * `mingfang_recording_archived_bytes_total`, `mingfang_recording_deletions_total{kind,reason}` and
 * `mingfang_recording_deleted_bytes_total{kind,reason}`.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { type Logger, REDIS_KEYS, type Redis, resolveDataDir } from "@mingfang/core";
import fp from "fastify-plugin";
import { Counter } from "prom-client";
import type { ApiDeps } from "../context.js";
import { Archiver } from "./archiver.js";
import { RecordingRepository } from "./recording.repository.js";
import { Retention } from "./retention.js";
import { RetentionRepository } from "./retention.repository.js";

declare module "fastify" {
  interface FastifyInstance {
    archiver: Archiver | null;
    retention: Retention | null;
  }
}

function recordingMetrics(app: { metrics: import("prom-client").Registry }) {
  const registers = [app.metrics];
  return {
    segments: new Counter({
      name: "mingfang_recording_segments_archived_total",
      help: "Live segments appended to continuous recording",
      registers,
    }),
    bytes: new Counter({
      name: "mingfang_recording_archived_bytes_total",
      help: "Bytes appended to continuous recording",
      registers,
    }),
    deletions: new Counter({
      name: "mingfang_recording_deletions_total",
      help: "Files deleted by retention (kind: continuous|clip|evidence|case_photo; reason: age|watermark)",
      labelNames: ["kind", "reason"] as const,
      registers,
    }),
    deletedBytes: new Counter({
      name: "mingfang_recording_deleted_bytes_total",
      help: "Bytes deleted by retention, by kind and reason",
      labelNames: ["kind", "reason"] as const,
      registers,
    }),
  };
}

const LEASE_KEY = "mingfang:recorder:leader";
const LEASE_MS = 30_000;
const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Runs `start` while this process holds the lease and `stop` when it loses it (or closes). Checked every
 * 10 s; a Redis error counts as not holding it (the recorder stops rather than risk two writers).
 */
export class RecorderLease {
  private readonly token = randomUUID();
  private held = false;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly onGain: () => void,
    private readonly onLose: () => Promise<void>,
    private readonly everyMs = 10_000,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => {
      this.checking ??= this.check().finally(() => {
        this.checking = null;
      });
    }, this.everyMs);
    this.timer.unref?.();
  }

  private async check(): Promise<void> {
    let ok: boolean;
    try {
      ok = this.held
        ? Number(await this.redis.eval(RENEW, 1, LEASE_KEY, this.token, LEASE_MS)) === 1
        : (await this.redis.set(LEASE_KEY, this.token, "PX", LEASE_MS, "NX")) === "OK";
    } catch (err) {
      this.logger.warn({ err }, "recorder: lease check failed");
      ok = false;
    }
    if (ok && !this.held) {
      this.held = true;
      this.logger.info("recorder: this process records (lease taken)");
      this.onGain();
    } else if (!ok && this.held) {
      this.held = false;
      this.logger.warn("recorder: lease lost, recording stops here");
      await this.onLose();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
    if (this.held) {
      this.held = false;
      await this.onLose();
      await this.redis.eval(RELEASE, 1, LEASE_KEY, this.token).catch(() => {});
    }
  }
}

/**
 * The API's announcement of a changed camera (REDIS_KEYS.cameraConfigChannel, sent by whichever API process
 * took the change): the archiver reads the cameras at its next poll instead of within 10 s.
 */
async function subscribeCameraChanges(
  redis: Redis,
  logger: Logger,
  onChange: () => void,
): Promise<() => void> {
  const sub = redis.duplicate({ lazyConnect: true });
  sub.on("error", (err: Error) =>
    logger.debug({ err: err.message }, "recorder: camera-config subscriber error"),
  );
  sub.on("message", () => onChange());
  try {
    await sub.connect();
    // ioredis prefixes neither PUBLISH nor SUBSCRIBE channels: the plain name, as the ingest subscribes.
    await sub.subscribe(REDIS_KEYS.cameraConfigChannel);
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      "recorder: camera changes not subscribed (10 s refresh only)",
    );
  }
  return () => sub.disconnect();
}

export const recorderPlugin = fp<ApiDeps>(
  async (app, deps) => {
    const { config, logger } = deps;
    const mediaDir = path.join(resolveDataDir(config), "media");
    const m = recordingMetrics(app);
    const log = logger.child({ component: "recorder" });
    const archiver = new Archiver(
      {
        mediaDir,
        segmentSeconds: config.HLS_SEGMENT_SECONDS,
        chunkSeconds: config.RECORDING_CHUNK_SECONDS,
        bufferSeconds: config.RECORDING_BUFFER_SECONDS,
      },
      {
        repo: new RecordingRepository(deps.db),
        logger: log,
        onArchived: (bytes) => {
          m.segments.inc();
          m.bytes.inc(bytes);
        },
      },
    );
    const retention = new Retention(
      {
        mediaDir,
        continuousDays: config.RETENTION_CONTINUOUS_DAYS,
        clipDays: config.RETENTION_CLIP_DAYS,
        evidenceDays: config.RETENTION_EVIDENCE_DAYS,
        casePhotoDays: config.RETENTION_CASE_PHOTO_DAYS,
        minFreePercent: config.DISK_MIN_FREE_PERCENT,
        sweepMs: config.RETENTION_SWEEP_SECONDS * 1000,
      },
      {
        repo: new RetentionRepository(deps.db),
        logger: log,
        onDeleted: (kind, reason, files, bytes) => {
          m.deletions.inc({ kind, reason }, files);
          m.deletedBytes.inc({ kind, reason }, bytes);
        },
      },
    );
    const workers = deps.recordings?.workers !== false;
    app.decorate("archiver", workers ? archiver : null);
    app.decorate("retention", workers ? retention : null);
    if (!workers) return;
    const lease = new RecorderLease(
      deps.redis,
      log,
      () => {
        archiver.start();
        retention.start();
      },
      async () => {
        await retention.stop();
        await archiver.stop();
      },
    );
    let unsubscribe = () => {};
    app.addHook("onReady", async () => {
      unsubscribe = await subscribeCameraChanges(deps.redis, log, () => archiver.requestRefresh());
      await lease.start();
    });
    app.addHook("preClose", async () => {
      unsubscribe();
      await lease.close();
    });
  },
  { name: "recorder", dependencies: ["metrics"] },
);
