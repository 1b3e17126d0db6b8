/**
 * Event clips (docs/recordings.md, "Event clips"): a new alert of a camera that records gets a pending
 * `alert_clips` row and a delayed job on QUEUES.clips, due once its window (capture − pre … capture + post)
 * has passed; the job cuts the MP4 from the camera's segments and records ready, partial, missing or (after
 * the last attempt) failed. A job lost with Redis, or never added because the process died after the
 * alert's commit, is caught by the sweep.
 */
import path from "node:path";
import {
  type AlertClipView,
  type ClipJob,
  type ClipStatus,
  type Config,
  type Keyring,
  type Logger,
  resolveDataDir,
  signClipToken,
} from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { cutMp4, mergeSources, planClip } from "./clip.cutter.js";
import { ClipRepository, type ClipRow } from "./clip.repository.js";
import { ClipStore } from "./clip.store.js";
import { RecordingRepository } from "./recording.repository.js";
import { chunkSegments, liveSegments, overlapping, type SegmentRef } from "./segments.js";

/** Alerts that have no video: raised because the camera is offline. */
export const NO_VIDEO_TYPES = ["camera_offline"] as const;

/** A new alert, as the alert service hands it over after its commit. */
export interface ClipRequest {
  alertId: string;
  cameraId: number;
  type: string;
  capturedAt: Date;
}

export interface ClipSettings {
  /** DATA_DIR/media and DATA_DIR/media/hls. */
  mediaRoot: string;
  hlsRoot: string;
  segmentSeconds: number;
  preSeconds: number;
  postSeconds: number;
  /** How long the live folder keeps segments (how far back the sweep looks for alerts without a row). */
  bufferSeconds: number;
  ffmpeg: string;
  /** How long after the window's end the job runs (the last segment must be complete). */
  marginMs: number;
  /** A pending row this long past its job's due time is re-queued by the sweep. */
  graceMs: number;
  cutTimeoutMs: number;
  tokenTtlSeconds: number;
}

export function clipSettingsFromConfig(config: Config): ClipSettings {
  const mediaRoot = path.join(resolveDataDir(config), "media");
  return {
    mediaRoot,
    hlsRoot: path.join(mediaRoot, "hls"),
    segmentSeconds: config.HLS_SEGMENT_SECONDS,
    preSeconds: config.CLIP_PRE_SECONDS,
    postSeconds: config.CLIP_POST_SECONDS,
    bufferSeconds: config.RECORDING_BUFFER_SECONDS,
    ffmpeg: "ffmpeg",
    marginMs: 2 * config.HLS_SEGMENT_SECONDS * 1000 + 3000,
    graceMs: 60_000,
    cutTimeoutMs: 120_000,
    tokenTtlSeconds: Math.max(config.MEDIA_TOKEN_TTL_SECONDS, 900),
  };
}

export interface ClipServiceDeps {
  db: Db;
  keyring: Keyring;
  logger: Logger;
  settings: ClipSettings;
  /** Adds the clip's job (job id `clip-<alertId>`: a second add of the same alert is dropped). */
  enqueue: (job: ClipJob, delayMs: number, opts?: { retryFailed?: boolean }) => Promise<void>;
  /** Told each finished clip: its status and, when ffmpeg ran, how long the cut took (metrics). */
  observe?: (status: ClipStatus, cutMs: number | null) => void;
}

const jobOf = (r: { alertId: string; cameraId: number; from: Date; to: Date }): ClipJob => ({
  alertId: r.alertId,
  cameraId: r.cameraId,
  from: r.from.toISOString(),
  to: r.to.toISOString(),
});

export class ClipService {
  readonly repo: ClipRepository;
  readonly store: ClipStore;
  private readonly recordings: RecordingRepository;
  private readonly log: Logger;

  constructor(private readonly deps: ClipServiceDeps) {
    this.repo = new ClipRepository(deps.db);
    this.recordings = new RecordingRepository(deps.db);
    this.store = new ClipStore(deps.settings.mediaRoot);
    this.log = deps.logger.child({ component: "clips" });
  }

  get settings(): ClipSettings {
    return this.deps.settings;
  }

  /** After an alert's commit: its pending row and delayed job (nothing for a camera set to `off`). */
  async schedule(a: ClipRequest): Promise<void> {
    if ((NO_VIDEO_TYPES as readonly string[]).includes(a.type)) return;
    const cam = await this.repo.cameraSettings(a.cameraId);
    if (!cam || cam.policy === "off") return;
    const { preSeconds, postSeconds, marginMs } = this.deps.settings;
    const at = a.capturedAt.getTime();
    const from = new Date(at - (cam.preSeconds ?? preSeconds) * 1000);
    const to = new Date(at + (cam.postSeconds ?? postSeconds) * 1000);
    await this.repo.insertPending({ alertId: a.alertId, cameraId: a.cameraId, from, to });
    const delay = Math.max(0, to.getTime() + marginMs - Date.now());
    await this.deps.enqueue(jobOf({ alertId: a.alertId, cameraId: a.cameraId, from, to }), delay);
  }

  /** The camera's segments in [from, to]: its live folder, and continuous chunks for what is older. */
  async gather(cameraId: number, from: Date, to: Date): Promise<SegmentRef[]> {
    const { hlsRoot, segmentSeconds, mediaRoot } = this.deps.settings;
    const live = overlapping(await liveSegments(hlsRoot, cameraId, segmentSeconds), from, to);
    const chunks = (await this.recordings.overlapping(cameraId, from, to)).flatMap((c) =>
      chunkSegments({ file: path.join(mediaRoot, c.path), startedAt: c.startedAt, parts: c.parts }),
    );
    return mergeSources(live, overlapping(chunks, from, to));
  }

  /**
   * Cuts one alert's clip. Returns the status recorded (or found: a job that comes back for a clip already
   * done changes nothing), or when to come back if the window has not passed yet; throws when a retry may
   * help (ffmpeg or the disk failed).
   */
  async process(job: ClipJob): Promise<ClipStatus | "gone" | { notBefore: number }> {
    const row = await this.repo.find(job.alertId);
    if (!row) return "gone";
    if (row.status !== "pending") return row.status as ClipStatus;
    const { segmentSeconds, ffmpeg, cutTimeoutMs, marginMs } = this.deps.settings;
    // Early (a job re-added by the sweep of another clock, say): the window's last segment is not there yet.
    const notBefore = row.requestedTo.getTime() + marginMs;
    if (Date.now() < notBefore) return { notBefore };
    const segments = await this.gather(row.cameraId, row.requestedFrom, row.requestedTo);
    const plan = planClip(segments, row.requestedFrom, row.requestedTo, segmentSeconds * 1000);
    if (plan.status === "missing") {
      await this.repo.finish(row.alertId, { status: "missing" });
      this.deps.observe?.("missing", null);
      this.log.warn({ alertId: row.alertId, cameraId: row.cameraId }, "no video for the alert's clip");
      return "missing";
    }
    const rel = this.store.relPath(row.stationId, row.capturedAt, row.alertId);
    const cut = await cutMp4({
      ffmpeg,
      segments: plan.segments,
      file: this.store.abs(rel),
      timeoutMs: cutTimeoutMs,
    });
    await this.repo.finish(row.alertId, {
      status: plan.status,
      startedAt: plan.from,
      endedAt: plan.to,
      path: rel,
      sha256: cut.sha256,
      bytes: cut.bytes,
    });
    this.deps.observe?.(plan.status, cut.ms);
    this.log.info(
      {
        alertId: row.alertId,
        status: plan.status,
        segments: plan.segments.length,
        gaps: plan.gaps,
        coveredMs: plan.coveredMs,
        bytes: cut.bytes,
        cutMs: cut.ms,
      },
      "alert clip cut",
    );
    return plan.status;
  }

  /** The last attempt failed: the row says so (the job stays in the failed set for inspection). */
  async markFailed(alertId: string, error: string): Promise<void> {
    await this.repo.finish(alertId, { status: "failed", error: error.slice(0, 500) });
    this.deps.observe?.("failed", null);
    this.log.error({ alertId, err: error }, "alert clip failed");
  }

  /**
   * Pending rows well past their due time get their job again (a no-op while it still exists); recent
   * alerts that never got a row get one. Returns how many of each.
   */
  async sweep(now = new Date()): Promise<{ requeued: number; scheduled: number }> {
    const { marginMs, graceMs, bufferSeconds } = this.deps.settings;
    const due = await this.repo.duePending(new Date(now.getTime() - marginMs - graceMs));
    for (const d of due) await this.deps.enqueue(jobOf(d), 0, { retryFailed: true });
    const since = new Date(now.getTime() - bufferSeconds * 1000);
    const orphans = await this.repo.alertsWithoutClip(since, NO_VIDEO_TYPES[0]);
    for (const a of orphans) {
      await this.schedule({ alertId: a.id, cameraId: a.cameraId, type: a.type, capturedAt: a.capturedAt });
    }
    return { requeued: due.length, scheduled: orphans.length };
  }

  /** The clip as the API shows it, with a signed, expiring URL when there is a file to play. */
  view(r: ClipRow): AlertClipView {
    const playable = (r.status === "ready" || r.status === "partial") && r.path !== null && !r.purgedAt;
    const token = playable
      ? signClipToken(this.deps.keyring.mediaToken, r.alertId, this.deps.settings.tokenTtlSeconds)
      : null;
    return {
      alertId: r.alertId,
      status: r.status as ClipStatus,
      requestedFrom: r.requestedFrom.toISOString(),
      requestedTo: r.requestedTo.toISOString(),
      from: r.startedAt?.toISOString() ?? null,
      to: r.endedAt?.toISOString() ?? null,
      bytes: r.bytes,
      sha256: r.sha256,
      url: token ? `/media/clips/${r.alertId}.mp4?token=${encodeURIComponent(token)}` : null,
      purged: r.purgedAt !== null,
      error: r.error,
    };
  }
}
