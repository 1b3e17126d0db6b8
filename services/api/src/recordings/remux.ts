/**
 * MPEG-TS byte ranges → one MP4, by stream copy: the ranges are fed to ffmpeg's stdin in order and remuxed
 * (`-c copy`) with the index at the front (`+faststart`). Nothing is decoded. Used by the alert clips and by
 * the download of a span of recording. ffmpeg reads from a pipe of ours: if this process dies, the pipe
 * closes and ffmpeg ends.
 */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";

/** A byte range of a file, to feed in order (a whole live segment, or a part of a chunk file). */
export interface FileRange {
  file: string;
  offset: number;
  length: number;
}

export class RemuxError extends Error {
  override readonly name = "RemuxError";
}

/** ffmpeg's arguments: MPEG-TS on stdin → MP4 at `out`; `seconds` trims the end. Pure. */
export function remuxArgs(out: string, seconds?: number): string[] {
  return [
    ...["-hide_banner", "-loglevel", "error", "-f", "mpegts", "-i", "pipe:0"],
    ...["-map", "0:v:0", "-map", "0:a:0?", "-c", "copy"],
    ...(seconds === undefined ? [] : ["-t", seconds.toFixed(3)]),
    ...["-movflags", "+faststart", "-f", "mp4", "-y", out],
  ];
}

/** The bytes of the ranges, in order. */
async function* bytesOf(ranges: FileRange[]): AsyncGenerator<Buffer> {
  for (const r of ranges) {
    if (r.length <= 0) continue;
    yield* createReadStream(r.file, { start: r.offset, end: r.offset + r.length - 1 });
  }
}

/** Feeds `ranges` to ffmpeg in order; resolves when ffmpeg has exited 0 (its stderr in the error). */
export async function remux(
  ranges: FileRange[],
  out: string,
  opts: { ffmpeg?: string; seconds?: number; timeoutMs: number },
): Promise<void> {
  const ff = spawn(opts.ffmpeg ?? "ffmpeg", remuxArgs(out, opts.seconds), {
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  ff.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const exited = new Promise<number>((resolve, reject) => {
    ff.on("error", reject);
    ff.on("close", (code) => resolve(code ?? -1));
  });
  const timer = setTimeout(() => ff.kill("SIGKILL"), opts.timeoutMs);
  try {
    // One pipeline for all ranges (a pipeline per range with `end: false` left its listeners on stdin: Node
    // warned of a leak from the eleventh segment on).
    const feed = pipeline(bytesOf(ranges), ff.stdin);
    // A failed read, or ffmpeg closing its input early: stop feeding, let the exit code speak.
    feed.catch(() => ff.stdin.destroy());
    const code = await exited;
    // A file that could not be read is the cause, whatever ffmpeg made of the input cut short; a write that
    // failed because ffmpeg had already given up is not (its exit code says why).
    await feed.catch((err: NodeJS.ErrnoException) => {
      const ffmpegGone =
        err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED" || err.code === "ECONNRESET";
      if (code === 0 || !ffmpegGone) throw new RemuxError(`reading the video failed: ${err.message}`);
    });
    if (code !== 0) throw new RemuxError(`ffmpeg exited with ${code}: ${stderr.trim().slice(-500)}`);
  } catch (err) {
    throw err instanceof RemuxError ? err : new RemuxError((err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
