/**
 * Continuous recording (docs/recordings.md, "Continuous recording"): for each enabled camera whose policy
 * records now (archiver-policy.ts), every ~2 s the camera's live folder is read once (one readdir, the
 * playlist, a stat of each new segment only) and each new finished segment's bytes are appended to the
 * camera's open chunk file `DATA_DIR/media/rec/<camera>/<yyyy-mm-dd>/<hh>/<start ms>.ts` (UTC). A chunk
 * closes after RECORDING_CHUNK_SECONDS, at the hour, at a gap (a segment number that does not follow), when
 * no segment came for a while, and when the camera stops recording; on close the file is fsynced and its
 * `recording_chunks` row inserted (a row that cannot be written is retried on the next poll).
 *
 * No ffmpeg, no decoding: MPEG-TS segments concatenate. The last archived segment of each camera is kept,
 * so nothing is archived twice; after a restart each camera resumes from the end of its newest chunk, with
 * whatever of the live folder's buffer (RECORDING_BUFFER_SECONDS) is newer than that.
 *
 * Also sweeps the live folders for orphan `seg-*.ts` older than the buffer + 30 s: a restarted ffmpeg never
 * deletes the previous run's segments (ingest/src/pipeline/camera-owner.ts, cleanStaleSegments).
 */
import { close, fsync, openSync, readFileSync, writeSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Logger } from "@mingfang/core";
import { recordsNow } from "./archiver-policy.js";
import type { NewChunk, RecordingCamera, RecordingRepository } from "./recording.repository.js";
import { parseLivePlaylist, type SegmentRef, timeLiveFiles } from "./segments.js";

export interface ArchiverOptions {
  /** DATA_DIR/media: live folders in `hls/`, recording in `rec/`. */
  mediaDir: string;
  segmentSeconds: number;
  chunkSeconds: number;
  bufferSeconds: number;
  pollMs?: number;
  /** How often the cameras and their policies are read again from the database. */
  refreshMs?: number;
  /** How often the live folders are swept for orphan segments. */
  sweepMs?: number;
  now?: () => number;
}

export interface ArchiverDeps {
  repo: Pick<RecordingRepository, "insert" | "recordingCameras" | "newestChunkEnds">;
  logger: Logger;
  /** Called for each segment appended to a chunk (metrics). */
  onArchived?: (bytes: number) => void;
}

interface OpenChunk {
  abs: string;
  rel: string;
  fd: number;
  startedMs: number;
  hourKey: string;
  lastSeq: number;
  parts: [number, number][];
  bytes: number;
  durationMs: number;
  lastAppendMs: number;
}

interface CameraState {
  camera: RecordingCamera;
  /** The last segment number archived (or skipped as already archived). */
  lastSeq: number | null;
  /** After a restart, until the first append: the end of the camera's newest chunk (ms); segments before it are skipped. */
  resumeAfterMs: number | null;
  chunk: OpenChunk | null;
}

export interface ArchiverStats {
  polls: number;
  /** Total wall time of the camera polls (the readdir/stat/read/append pass), ms. */
  pollMs: number;
  segments: number;
  bytes: number;
  chunks: number;
  orphansDeleted: number;
}

const SEGMENT_NAME = /^seg-(\d+)\.ts$/;
const fsyncFd = promisify(fsync);
const closeFd = promisify(close);

/** `yyyy-mm-dd/hh` of an instant, UTC. */
export function hourKey(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
}

/** The chunk file's path relative to the media folder. */
export function chunkRelPath(cameraId: number, startMs: number): string {
  return path.posix.join("rec", String(cameraId), hourKey(startMs), `${startMs}.ts`);
}

export class Archiver {
  private readonly states = new Map<number, CameraState>();
  /** Last archived segment of cameras that stopped recording (kept for when they start again). */
  private readonly lastSeqs = new Map<number, number>();
  private readonly pendingRows: NewChunk[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Set by stop(): a running pass ends early. */
  private closing = false;
  private lastRefresh = 0;
  private lastSweep = 0;
  private readonly o: Required<ArchiverOptions>;
  readonly stats: ArchiverStats = {
    polls: 0,
    pollMs: 0,
    segments: 0,
    bytes: 0,
    chunks: 0,
    orphansDeleted: 0,
  };

  constructor(
    opts: ArchiverOptions,
    private readonly deps: ArchiverDeps,
  ) {
    this.o = { pollMs: 2000, refreshMs: 10_000, sweepMs: 30_000, now: Date.now, ...opts };
  }

  private get hlsRoot(): string {
    return path.join(this.o.mediaDir, "hls");
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.closing = false;
    this.schedule(0);
  }

  /** Stops polling, closes and indexes every open chunk. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    for (const st of this.states.values()) await this.closeChunk(st);
    await this.flushRows();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err) => this.deps.logger.warn({ err }, "archiver: poll failed"))
        .finally(() => {
          this.running = null;
          this.schedule(this.o.pollMs);
        });
    }, ms);
    this.timer.unref?.();
  }

  /** A camera changed (the camera-config announcement): the next poll reads the cameras again. */
  requestRefresh(): void {
    this.lastRefresh = 0;
  }

  /** One pass: refresh the camera list when due, poll each camera, retry rows, sweep when due. */
  async tick(): Promise<void> {
    const now = this.o.now();
    if (now - this.lastRefresh >= this.o.refreshMs || this.lastRefresh === 0) {
      this.lastRefresh = now;
      // The database away: the cameras known so far go on recording; the next refresh tries again.
      await this.refresh().catch((err) =>
        this.deps.logger.warn({ err }, "archiver: camera list not refreshed"),
      );
    }
    for (const st of [...this.states.values()]) {
      if (this.closing) break;
      if (recordsNow(st.camera, new Date(now))) await this.pollCamera(st);
      else await this.closeChunk(st);
    }
    await this.flushRows();
    if (now - this.lastSweep >= this.o.sweepMs) {
      this.lastSweep = now;
      await this.sweepOrphans();
    }
  }

  /** Reads the cameras and policies; cameras that no longer record get their chunk closed. */
  async refresh(): Promise<void> {
    const cameras = await this.deps.repo.recordingCameras();
    const ids = new Set(cameras.map((c) => c.id));
    for (const [id, st] of this.states) {
      if (ids.has(id)) continue;
      await this.closeChunk(st);
      if (st.lastSeq !== null) this.lastSeqs.set(id, st.lastSeq);
      this.states.delete(id);
    }
    const fresh = cameras.filter((c) => !this.states.has(c.id));
    const ends = fresh.length ? await this.deps.repo.newestChunkEnds() : new Map<number, Date>();
    for (const camera of cameras) {
      const st = this.states.get(camera.id);
      if (st) {
        st.camera = camera;
        continue;
      }
      const lastSeq = this.lastSeqs.get(camera.id) ?? null;
      const end = ends.get(camera.id);
      this.states.set(camera.id, {
        camera,
        lastSeq,
        resumeAfterMs: lastSeq === null && end ? end.getTime() : null,
        chunk: null,
      });
    }
  }

  /**
   * The new segments: from the playlist alone when it follows on from the last archived segment (the
   * steady state: one small read per poll), else from the folder (after a start, a late poll, a restart of
   * the camera's process).
   */
  private async newSegments(st: CameraState): Promise<{ refs: SegmentRef[]; listed: Set<string> }> {
    const dir = path.join(this.hlsRoot, String(st.camera.id));
    return this.fromPlaylist(st, dir) ?? (await this.fromFolder(st, dir));
  }

  /**
   * Read synchronously: a playlist of a few hundred bytes that ffmpeg just wrote (page cache); a thread-pool
   * round trip would cost more than the read. Null: the slow path is needed.
   */
  private fromPlaylist(st: CameraState, dir: string): { refs: SegmentRef[]; listed: Set<string> } | null {
    if (st.lastSeq === null) return null;
    let text: string;
    try {
      text = readFileSync(path.join(dir, "index.m3u8"), "utf8");
    } catch {
      return { refs: [], listed: new Set() };
    }
    const listed = parseLivePlaylist(text);
    const refs: SegmentRef[] = [];
    for (const [name, v] of listed) {
      const m = SEGMENT_NAME.exec(name);
      const seq = m ? Number(m[1]) : -1;
      if (seq <= st.lastSeq) continue;
      if (!v.start) return null;
      refs.push({
        file: path.join(dir, name),
        offset: 0,
        length: 0,
        start: v.start,
        durationMs: v.durationMs,
        seq,
      });
    }
    refs.sort((a, b) => (a.seq as number) - (b.seq as number));
    if (refs.length && refs[0]?.seq !== st.lastSeq + 1) return null;
    return { refs, listed: new Set(listed.keys()) };
  }

  /** One readdir of the live folder; the playlist and a stat only when there are new segments. */
  private async fromFolder(
    st: CameraState,
    dir: string,
  ): Promise<{ refs: SegmentRef[]; listed: Set<string> }> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const after = st.lastSeq ?? -1;
    const fresh: { name: string; seq: number }[] = [];
    for (const name of names) {
      const m = SEGMENT_NAME.exec(name);
      if (m && Number(m[1]) > after) fresh.push({ name, seq: Number(m[1]) });
    }
    if (!fresh.length) return { refs: [], listed: new Set() };
    const playlist = await readFile(path.join(dir, "index.m3u8"), "utf8").catch(() => "");
    const listed = parseLivePlaylist(playlist);
    const files = [];
    for (const f of fresh) {
      const s = await stat(path.join(dir, f.name)).catch(() => null);
      if (s) files.push({ ...f, size: s.size, mtimeMs: s.mtimeMs });
    }
    return { refs: timeLiveFiles(files, listed, dir, this.o.segmentSeconds), listed: new Set(listed.keys()) };
  }

  private async pollCamera(st: CameraState): Promise<void> {
    const t0 = performance.now();
    const now = this.o.now();
    const { refs, listed } = await this.newSegments(st);
    const maxListed = Math.max(
      -1,
      ...refs.filter((r) => listed.has(path.basename(r.file))).map((r) => r.seq ?? -1),
    );
    for (const ref of refs) {
      const seq = ref.seq as number;
      if (st.resumeAfterMs !== null && ref.start.getTime() + ref.durationMs / 2 <= st.resumeAfterMs) {
        st.lastSeq = seq;
        continue;
      }
      // Renamed into place but not in the playlist yet: its time is not known; the next poll will have it.
      const fresh = now - (ref.start.getTime() + ref.durationMs) < 3 * this.o.segmentSeconds * 1000;
      if (seq > maxListed && !listed.has(path.basename(ref.file)) && fresh) break;
      st.resumeAfterMs = null;
      await this.append(st, ref);
    }
    const c = st.chunk;
    if (c && now - c.lastAppendMs > Math.max(6000, 4 * this.o.segmentSeconds * 1000))
      await this.closeChunk(st);
    this.stats.polls++;
    this.stats.pollMs += performance.now() - t0;
  }

  private async append(st: CameraState, ref: SegmentRef): Promise<void> {
    const seq = ref.seq as number;
    const startMs = ref.start.getTime();
    const c = st.chunk;
    if (c && (seq !== c.lastSeq + 1 || hourKey(startMs) !== c.hourKey)) await this.closeChunk(st);
    let bytes: Buffer;
    try {
      // Synchronous, like the playlist: a segment ffmpeg wrote a second ago is in the page cache.
      bytes = readFileSync(ref.file);
    } catch {
      st.lastSeq = seq; // deleted meanwhile: a gap
      return;
    }
    const chunk = st.chunk ?? (await this.openChunk(st, startMs));
    writeSync(chunk.fd, bytes);
    chunk.parts.push([bytes.length, ref.durationMs]);
    chunk.bytes += bytes.length;
    chunk.durationMs += ref.durationMs;
    chunk.lastSeq = seq;
    chunk.lastAppendMs = this.o.now();
    st.lastSeq = seq;
    this.stats.segments++;
    this.stats.bytes += bytes.length;
    this.deps.onArchived?.(bytes.length);
    if (chunk.durationMs >= this.o.chunkSeconds * 1000) await this.closeChunk(st);
  }

  private async openChunk(st: CameraState, startMs: number): Promise<OpenChunk> {
    const rel = chunkRelPath(st.camera.id, startMs);
    const abs = path.join(this.o.mediaDir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    // "w": a file of the same name is an unindexed chunk of a run that crashed, rewritten from the buffer.
    const fd = openSync(abs, "w");
    st.chunk = {
      abs,
      rel,
      fd,
      startedMs: startMs,
      hourKey: hourKey(startMs),
      lastSeq: -1,
      parts: [],
      bytes: 0,
      durationMs: 0,
      lastAppendMs: this.o.now(),
    };
    return st.chunk;
  }

  /** fsync, close, index. */
  private async closeChunk(st: CameraState): Promise<void> {
    const c = st.chunk;
    if (!c) return;
    st.chunk = null;
    try {
      await fsyncFd(c.fd);
    } finally {
      await closeFd(c.fd);
    }
    if (!c.parts.length) {
      await rm(c.abs, { force: true });
      return;
    }
    this.pendingRows.push({
      cameraId: st.camera.id,
      startedAt: new Date(c.startedMs),
      endedAt: new Date(c.startedMs + c.durationMs),
      bytes: c.bytes,
      path: c.rel,
      parts: c.parts,
    });
    this.stats.chunks++;
    await this.flushRows();
  }

  private async flushRows(): Promise<void> {
    while (this.pendingRows.length) {
      const row = this.pendingRows[0] as NewChunk;
      try {
        await this.deps.repo.insert(row);
      } catch (err) {
        this.deps.logger.warn({ err, path: row.path }, "archiver: chunk not indexed yet, retrying");
        return;
      }
      this.pendingRows.shift();
    }
  }

  /** Deletes orphan segments (older than the buffer + 30 s) of every live folder. */
  async sweepOrphans(): Promise<number> {
    const cutoff = this.o.now() - (this.o.bufferSeconds + 30) * 1000;
    const keep = Math.ceil((this.o.bufferSeconds + 30) / this.o.segmentSeconds);
    const folders = await readdir(this.hlsRoot).catch(() => [] as string[]);
    let deleted = 0;
    for (const folder of folders) {
      if (!/^\d+$/.test(folder)) continue;
      deleted += await sweepFolder(path.join(this.hlsRoot, folder), cutoff, keep);
    }
    this.stats.orphansDeleted += deleted;
    if (deleted) this.deps.logger.info({ deleted }, "archiver: orphan live segments deleted");
    return deleted;
  }
}

/**
 * One live folder: a segment is a candidate when its number is `keep` below the newest (the numbers follow
 * the clock), or when the newest itself is old (the camera stopped); a candidate goes when its mtime is
 * before the cutoff. Steady state: one stat (the newest).
 */
async function sweepFolder(dir: string, cutoff: number, keep: number): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const segs = names
    .map((name) => ({ name, m: SEGMENT_NAME.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ name: x.name, seq: Number(x.m[1]) }))
    .sort((a, b) => a.seq - b.seq);
  const newest = segs.at(-1);
  if (!newest) return 0;
  const newestStat = await stat(path.join(dir, newest.name)).catch(() => null);
  const allOld = !newestStat || newestStat.mtimeMs < cutoff;
  let deleted = 0;
  for (const s of segs) {
    if (!allOld && s.seq >= newest.seq - keep) break;
    const file = path.join(dir, s.name);
    const st = await stat(file).catch(() => null);
    if (st && st.mtimeMs < cutoff) {
      await rm(file, { force: true });
      deleted++;
    }
  }
  return deleted;
}
