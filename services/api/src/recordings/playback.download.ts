/**
 * A span of recording as one MP4, by stream copy: the byte ranges of the chunks' parts that overlap the span
 * are fed to ffmpeg's stdin as one MPEG-TS stream, remuxed (`-c copy`, `-t` trims the end) into a temporary
 * file with its index at the front (`+faststart`), which is then sent and deleted. Why a temporary file and
 * not a fragmented MP4 streamed as it is made: docs/recordings.md, "Playback".
 */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { ChunkRow } from "./recording.repository.js";
import { type VodEntry, vodEntries } from "./vod-playlist.js";

/** A byte range of a file, to feed in order. */
export interface FileRange {
  file: string;
  offset: number;
  length: number;
}

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

/** ffmpeg's arguments: MPEG-TS on stdin → MP4 at `out`, stream copy. Pure. */
export function remuxArgs(seconds: number, out: string): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "mpegts",
    "-i",
    "pipe:0",
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    "-c",
    "copy",
    "-t",
    seconds.toFixed(3),
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    "-y",
    out,
  ];
}

export class RemuxError extends Error {
  override readonly name = "RemuxError";
}

/** Feeds the ranges to ffmpeg in order; resolves when ffmpeg has exited 0 (its stderr in the error). */
async function runRemux(plan: DownloadPlan, out: string, timeoutMs: number): Promise<void> {
  const ff = spawn("ffmpeg", remuxArgs(plan.seconds, out), { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  ff.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const exited = new Promise<number>((resolve, reject) => {
    ff.on("error", reject);
    ff.on("close", (code) => resolve(code ?? -1));
  });
  const timer = setTimeout(() => ff.kill("SIGKILL"), timeoutMs);
  try {
    const feed = (async () => {
      for (const r of plan.ranges) {
        if (r.length <= 0) continue;
        const src = createReadStream(r.file, { start: r.offset, end: r.offset + r.length - 1 });
        await pipeline(src, ff.stdin, { end: false });
      }
      ff.stdin.end();
    })();
    // A failed read, or ffmpeg closing its input early: stop feeding, let the exit code speak.
    feed.catch(() => ff.stdin.destroy());
    const code = await exited;
    await feed.catch((err: Error) => {
      if (code === 0) throw new RemuxError(`reading the recording failed: ${err.message}`);
    });
    if (code !== 0) throw new RemuxError(`ffmpeg exited with ${code}: ${stderr.trim().slice(-500)}`);
  } catch (err) {
    throw err instanceof RemuxError ? err : new RemuxError((err as Error).message);
  } finally {
    clearTimeout(timer);
  }
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
    await runRemux(plan, file, timeoutMs);
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
