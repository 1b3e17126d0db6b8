/**
 * Cutting an alert's clip: which segments (the live folder first, continuous chunks for anything older),
 * what they cover of the window asked for (ready, partial, missing), and the MP4 itself — the segments'
 * MPEG-TS bytes fed to ffmpeg's stdin in time order, `-c copy` into an MP4 with `+faststart`. Nothing is
 * decoded: a clip starts and ends on segment boundaries (every segment starts on a keyframe), so it may
 * begin up to one segment before the window and end up to one segment after it.
 *
 * ffmpeg reads its input from a pipe of ours: if this process dies, the pipe closes, ffmpeg ends, and the
 * temporary file it wrote is never renamed into place (the job is retried by another API).
 */
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { sha256OfFile } from "../media/checked-file.store.js";
import { remux } from "./remux.js";
import { type SegmentRef, segmentEnd } from "./segments.js";

/**
 * The live segments, and the chunk segments that no live segment covers (more than half of): a chunk
 * holds copies of live segments, so both may list the same second. Time order. Pure.
 */
export function mergeSources(live: SegmentRef[], chunks: SegmentRef[]): SegmentRef[] {
  const covered = (c: SegmentRef) =>
    live.some((l) => {
      const overlap = Math.min(segmentEnd(l), segmentEnd(c)) - Math.max(l.start.getTime(), c.start.getTime());
      return overlap > c.durationMs / 2;
    });
  return [...live, ...chunks.filter((c) => !covered(c))].sort(
    (a, b) => a.start.getTime() - b.start.getTime(),
  );
}

/** Whether `b` follows `a` in the same stream: numbers that follow on, or no hole in time. Pure. */
export function follows(a: SegmentRef, b: SegmentRef, toleranceMs: number): boolean {
  if (a.seq !== undefined && b.seq !== undefined && a.file !== b.file) return b.seq === a.seq + 1;
  return Math.abs(b.start.getTime() - segmentEnd(a)) <= toleranceMs;
}

export type CutStatus = "ready" | "partial" | "missing";

export interface ClipPlan {
  status: CutStatus;
  segments: SegmentRef[];
  /** The span the segments cover (first start, last end); null when there are none. */
  from: Date | null;
  to: Date | null;
  /** Milliseconds of video, and the holes in it (camera offline, process restarted). */
  coveredMs: number;
  gaps: number;
}

/**
 * What a clip of [from, to] can be made of: the segments overlapping the window, ready when they cover
 * it without a hole (within `toleranceMs`, about a segment), partial when they cover less, missing when
 * there are none. Pure.
 */
export function planClip(all: SegmentRef[], from: Date, to: Date, toleranceMs: number): ClipPlan {
  const segments = all.filter((s) => segmentEnd(s) > from.getTime() && s.start.getTime() < to.getTime());
  if (segments.length === 0) {
    return { status: "missing", segments, from: null, to: null, coveredMs: 0, gaps: 0 };
  }
  let gaps = 0;
  for (let i = 1; i < segments.length; i++) {
    if (!follows(segments[i - 1]!, segments[i]!, toleranceMs)) gaps++;
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const whole =
    gaps === 0 &&
    first.start.getTime() <= from.getTime() + toleranceMs &&
    segmentEnd(last) >= to.getTime() - toleranceMs;
  return {
    status: whole ? "ready" : "partial",
    segments,
    from: first.start,
    to: new Date(segmentEnd(last)),
    coveredMs: segments.reduce((n, s) => n + s.durationMs, 0),
    gaps,
  };
}

export interface CutResult {
  bytes: number;
  sha256: string;
  /** Wall-clock milliseconds ffmpeg took (reading the segments included). */
  ms: number;
}

/**
 * Writes the MP4 of `segments` at `file` atomically (a temporary file beside it, fsync, rename) and
 * returns its size and SHA-256.
 */
export async function cutMp4(opts: {
  ffmpeg: string;
  segments: SegmentRef[];
  file: string;
  timeoutMs: number;
}): Promise<CutResult> {
  const t0 = Date.now();
  await mkdir(path.dirname(opts.file), { recursive: true });
  const tmp = `${opts.file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await remux(opts.segments, tmp, { ffmpeg: opts.ffmpeg, timeoutMs: opts.timeoutMs });
    const fh = await open(tmp, "r+");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const sha256 = await sha256OfFile(tmp);
    const { size } = await stat(tmp);
    await rename(tmp, opts.file);
    return { bytes: size, sha256, ms: Date.now() - t0 };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
