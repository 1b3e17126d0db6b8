/**
 * Retention and the disk watermark (docs/recordings.md, "Retention and the disk watermark"). Every
 * RETENTION_SWEEP_SECONDS:
 *
 * 1. by age: continuous chunks older than RETENTION_CONTINUOUS_DAYS (file and row); alert clips older than
 *    RETENTION_CLIP_DAYS (file; `alert_clips.purged_at` set, the row kept); evidence and the undrawn frame
 *    older than RETENTION_EVIDENCE_DAYS (files; `alerts.evidence_purged_at`); the photos of cases closed more
 *    than RETENTION_CASE_PHOTO_DAYS ago (files; `case_attachments.purged_at`). Clips and evidence of
 *    protected alerts (retention.repository.ts: under review, or held by a case that is not closed) never.
 * 2. the watermark: while the media file system's free space (`statfs`) is below DISK_MIN_FREE_PERCENT,
 *    the oldest continuous chunks go first, in batches; then the oldest unprotected clips; when only
 *    protected material is left, a warning, and nothing more.
 *
 * Every deletion is counted (`onDeleted`, the metrics) and each sweep logs one line with its counts.
 */
import { readdir, rm, stat, statfs } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@mingfang/core";
import type { PurgeFile, RetentionRepository } from "./retention.repository.js";

export type PurgeKind = "continuous" | "clip" | "evidence" | "case_photo";
export type PurgeReason = "age" | "watermark";

export interface RetentionOptions {
  /** DATA_DIR/media. */
  mediaDir: string;
  continuousDays: number;
  clipDays: number;
  evidenceDays: number;
  casePhotoDays: number;
  minFreePercent: number;
  sweepMs: number;
  /** Rows per batch. */
  batch?: number;
  now?: () => number;
  /** Free space of the media file system, percent (tests may replace it). */
  freePercent?: (dir: string) => Promise<number>;
}

export interface RetentionDeps {
  repo: RetentionRepository;
  logger: Logger;
  onDeleted?: (kind: PurgeKind, reason: PurgeReason, files: number, bytes: number) => void;
}

type Tally = Record<`${PurgeKind}:${PurgeReason}`, { files: number; bytes: number }>;

export interface SweepResult {
  deleted: Partial<Tally>;
  freePercent: number | null;
  /** The watermark could not be met: only protected material (or nothing) is left. */
  watermarkUnmet: boolean;
}

const DAY = 86_400_000;

export async function statfsFreePercent(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.blocks > 0 ? (s.bavail / s.blocks) * 100 : 100;
}

export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly o: Required<RetentionOptions>;

  constructor(
    opts: RetentionOptions,
    private readonly deps: RetentionDeps,
  ) {
    this.o = { batch: 200, now: Date.now, freePercent: statfsFreePercent, ...opts };
  }

  /** The first sweep comes one interval after the start (not at once: a starting API has enough to do). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err) => this.deps.logger.warn({ err }, "retention: sweep failed"))
        .finally(() => {
          this.running = null;
        });
    }, this.o.sweepMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async sweep(): Promise<SweepResult> {
    const tally: Partial<Tally> = {};
    const now = this.o.now();
    const ago = (days: number) => new Date(now - days * DAY);
    const { repo } = this.deps;
    const at = new Date(now);
    await this.purge(
      tally,
      "continuous",
      "age",
      (n) => repo.chunks(ago(this.o.continuousDays), n),
      (ids) => repo.deleteChunks(ids),
    );
    await this.purge(
      tally,
      "clip",
      "age",
      (n) => repo.clips(ago(this.o.clipDays), n),
      (ids) => repo.markClipsPurged(ids, at),
    );
    await this.purge(
      tally,
      "evidence",
      "age",
      (n) => repo.evidence(ago(this.o.evidenceDays), n),
      (ids) => repo.markEvidencePurged(ids, at),
    );
    await this.purge(
      tally,
      "case_photo",
      "age",
      (n) => repo.casePhotos(ago(this.o.casePhotoDays), n),
      (ids) => repo.markCasePhotosPurged(ids, at),
    );
    const oldFolders = await this.removeOldDayFolders(now - this.o.continuousDays * DAY);
    const { freePercent, unmet } = await this.watermark(tally, at);
    const counts: Record<string, number> = Object.fromEntries(
      Object.entries(tally).map(([k, v]) => [k, v.files]),
    );
    if (oldFolders) counts.oldDayFolders = oldFolders;
    const bytes = Object.values(tally).reduce((n, v) => n + v.bytes, 0);
    this.deps.logger.info(
      {
        deleted: counts,
        bytes,
        freePercent: freePercent === null ? null : Math.round(freePercent * 10) / 10,
      },
      "retention: sweep done",
    );
    return { deleted: tally, freePercent, watermarkUnmet: unmet };
  }

  /** Below the watermark: the oldest chunks, then the oldest unprotected clips, a batch at a time. */
  private async watermark(
    tally: Partial<Tally>,
    at: Date,
  ): Promise<{ freePercent: number | null; unmet: boolean }> {
    const { repo } = this.deps;
    let free = await this.o.freePercent(this.o.mediaDir).catch(() => null);
    if (free === null || free >= this.o.minFreePercent) return { freePercent: free, unmet: false };
    const tiers: [PurgeKind, (n: number) => Promise<PurgeFile[]>, (ids: string[]) => Promise<void>][] = [
      ["continuous", (n) => repo.chunks(null, n), (ids) => repo.deleteChunks(ids)],
      ["clip", (n) => repo.clips(null, n), (ids) => repo.markClipsPurged(ids, at)],
    ];
    const batch = Math.max(1, Math.min(this.o.batch, 50));
    for (const [kind, list, mark] of tiers) {
      while (free < this.o.minFreePercent) {
        const done = await this.purgeBatch(tally, kind, "watermark", list, mark, batch);
        if (!done) break;
        free = await this.o.freePercent(this.o.mediaDir);
      }
    }
    if (free < this.o.minFreePercent) {
      this.deps.logger.warn(
        { freePercent: Math.round(free * 10) / 10, minFreePercent: this.o.minFreePercent },
        "retention: disk below the watermark and only protected material is left; nothing more is deleted",
      );
      return { freePercent: free, unmet: true };
    }
    return { freePercent: free, unmet: false };
  }

  /** Batches until none is left. */
  private async purge(
    tally: Partial<Tally>,
    kind: PurgeKind,
    reason: PurgeReason,
    list: (n: number) => Promise<PurgeFile[]>,
    mark: (ids: string[]) => Promise<void>,
  ): Promise<void> {
    let n = this.o.batch;
    while (n === this.o.batch) n = await this.purgeBatch(tally, kind, reason, list, mark, this.o.batch);
  }

  /** One batch: files deleted first, then the rows marked (or deleted). Returns how many went. */
  private async purgeBatch(
    tally: Partial<Tally>,
    kind: PurgeKind,
    reason: PurgeReason,
    list: (n: number) => Promise<PurgeFile[]>,
    mark: (ids: string[]) => Promise<void>,
    limit: number,
  ): Promise<number> {
    const items = await list(limit);
    if (!items.length) return 0;
    let bytes = 0;
    for (const item of items) bytes += await this.removeFiles(item);
    await mark(items.map((i) => i.id));
    const t = tally[`${kind}:${reason}`] ?? { files: 0, bytes: 0 };
    t.files += items.length;
    t.bytes += bytes;
    tally[`${kind}:${reason}`] = t;
    this.deps.onDeleted?.(kind, reason, items.length, bytes);
    return items.length;
  }

  /**
   * `rec/<camera>/<yyyy-mm-dd>/` folders whose whole day is older than the continuous limit: their indexed
   * chunks went with the age purge above; what is left is empty hour folders and the unindexed file of a
   * chunk that was open when the API was killed. Returns how many folders went.
   */
  private async removeOldDayFolders(cutoffMs: number): Promise<number> {
    const rec = path.join(this.o.mediaDir, "rec");
    let removed = 0;
    for (const cam of await readdir(rec).catch(() => [] as string[])) {
      if (!/^\d+$/.test(cam)) continue;
      for (const day of await readdir(path.join(rec, cam)).catch(() => [] as string[])) {
        const start = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : Number.NaN;
        if (!(start + DAY < cutoffMs)) continue;
        await rm(path.join(rec, cam, day), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Deletes an item's files (inside the media folder only); the bytes freed. */
  private async removeFiles(item: PurgeFile): Promise<number> {
    let bytes = 0;
    const root = path.resolve(this.o.mediaDir);
    for (const rel of item.paths) {
      const abs = path.resolve(root, rel);
      if (!abs.startsWith(root + path.sep)) continue;
      const s = await stat(abs).catch(() => null);
      if (!s) continue;
      await rm(abs, { force: true });
      bytes += s.size;
    }
    return bytes;
  }
}
