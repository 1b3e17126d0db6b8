/**
 * The recorder inside the API: the archiver (continuous recording by policy, archiver.ts) and the retention
 * loop (retention and the disk watermark, retention.ts), started with the app unless
 * `ApiDeps.recordings.workers` is false, stopped on `app.close()` (open chunks are closed and indexed).
 *
 * Metrics in the app's registry (/metrics): `mingfang_recording_segments_archived_total`,
 * `mingfang_recording_archived_bytes_total`, `mingfang_recording_deletions_total{kind,reason}` and
 * `mingfang_recording_deleted_bytes_total{kind,reason}`.
 */
import path from "node:path";
import { resolveDataDir } from "@mingfang/core";
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
    app.addHook("onReady", async () => {
      archiver.start();
      retention.start();
    });
    app.addHook("preClose", async () => {
      await retention.stop();
      await archiver.stop();
    });
  },
  { name: "recorder", dependencies: ["metrics"] },
);
