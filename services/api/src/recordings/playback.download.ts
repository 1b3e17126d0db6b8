/**
 * A span of recording as one MP4, by stream copy: the byte ranges of the chunks' parts that overlap the span
 * are remuxed (remux.ts: `-c copy`, `-t` trims the end) into a temporary
 * file with its index at the front (`+faststart`), which is then sent and deleted. Why a temporary file and
 * not a fragmented MP4 streamed as it is made: docs/recordings.md, "Playback".
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ChunkRow } from "./recording.repository.js";
import { type FileRange, RemuxError, remux } from "./remux.js";
import { type VodEntry, vodEntries } from "./vod-playlist.js";

export interface DownloadPlan {
  ranges: FileRange[];
  /** Start of the first part fed (the MP4 starts at a segment, so up to a segment before `from`). */
  start: number;
  /** Seconds of video to keep: everything fed, less what lies after `to`. */
  seconds: number;
}

/** The ranges to feed for [from, to): consecutive entries of a chunk become one range. Pure. */
export function downloadPlan(
  chunks: (Pick<ChunkRow, "id" | "startedAt" | "parts"> & { file: string })[],
  from: number,
  to: number,
): DownloadPlan | null {
  const files = new Map(chunks.map((c) => [c.id, c.file]));
  const entries: VodEntry[] = vodEntries(chunks, from, to);
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (!first || !last) return null;
  const ranges: FileRange[] = [];
  for (const e of entries) {
    const file = files.get(e.chunkId) as string;
    const prev = ranges[ranges.length - 1];
    if (prev && prev.file === file && prev.offset + prev.length === e.offset) prev.length += e.length;
    else ranges.push({ file, offset: e.offset, length: e.length });
  }
  const fedMs = entries.reduce((s, e) => s + e.durationMs, 0);
  const overMs = Math.max(0, last.start + last.durationMs - to);
  return { ranges, start: first.start, seconds: Math.max(0.1, (fedMs - overMs) / 1000) };
}

/**
 * Makes the MP4 in a fresh temporary folder. Returns its path and a `cleanup` that removes the folder; on
 * any failure the folder is removed before the error is thrown, so nothing half-written is left.
 */
export async function remuxToFile(
  plan: DownloadPlan,
  timeoutMs = 10 * 60_000,
): Promise<{ file: string; bytes: number; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "mingfang-rec-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, "recording.mp4");
  try {
    await remux(plan.ranges, file, { seconds: plan.seconds, timeoutMs });
    const st = await stat(file);
    if (st.size === 0) throw new RemuxError("ffmpeg wrote an empty file");
    return { file, bytes: st.size, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `yyyymmdd-hhmmss` in Asia/Shanghai (UTC+8). */
export function localStamp(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
  );
}

/**
 * `attachment` with an ASCII name (camera id and local times) and the UTF-8 name with the camera's name:
 * `<camera>_<yyyymmdd-hhmmss>_<hhmmss>.mp4`. Pure.
 */
export function downloadDisposition(camera: { id: number; name: string }, from: number, to: number): string {
  const a = localStamp(from);
  const b = localStamp(to).slice(9);
  const ascii = `camera-${camera.id}_${a}_${b}.mp4`;
  const safe =
    [...camera.name]
      .map((ch) => (ch < " " || '\\/:*?"<>|'.includes(ch) ? "_" : ch))
      .join("")
      .slice(0, 60) || `camera-${camera.id}`;
  const utf8 = encodeURIComponent(`${safe}_${a}_${b}.mp4`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
