/**
 * Real footage the evaluation, the benchmark and the tests share: OpenCV's vtest.avi from Debian's
 * opencv-doc (pedestrians on a square, 768×576), one frame at a time as JPEG.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

/**
 * The frame of a video file at `seconds`, as JPEG (ffmpeg's `-q:v`, default 3), through the filter `vf`
 * when one is given.
 */
export function frameAt(file: string, seconds: number, opts: { vf?: string; quality?: number } = {}): Buffer {
  return execFileSync(
    "ffmpeg",
    [
      ...["-loglevel", "error", "-ss", String(seconds), "-i", file, "-frames:v", "1"],
      ...(opts.vf ? ["-vf", opts.vf] : []),
      ...["-q:v", String(opts.quality ?? 3), "-f", "image2pipe", "-vcodec", "mjpeg", "-"],
    ],
    { maxBuffer: 32 * 1024 * 1024 },
  );
}

/** The frame of vtest.avi at `seconds`, as JPEG (ffmpeg, quality 3). */
export function vtestFrame(seconds: number): Buffer {
  return frameAt(VTEST, seconds);
}

/**
 * vtest.avi as the ingest hands it to analytics: one frame every `everyS` seconds, scaled by the same
 * filter as ingest's frame sampler (`scale='min(W,iw)':-2`, ffmpeg's default bicubic; 768×576 → 640×480
 * at W = 640) and JPEG-encoded at the sampler's quality (`-q:v 5`). See ingest/src/pipeline/ffmpeg-args.ts.
 */
export function vtestSampled(opts: { everyS: number; width?: number; quality?: number }): Buffer[] {
  const dir = mkdtempSync(path.join(tmpdir(), "mingfang-vtest-"));
  try {
    execFileSync("ffmpeg", [
      "-loglevel",
      "error",
      "-i",
      VTEST,
      "-vf",
      `fps=${1 / opts.everyS},scale='min(${opts.width ?? 640},iw)':-2`,
      "-c:v",
      "mjpeg",
      "-q:v",
      String(opts.quality ?? 5),
      path.join(dir, "f%04d.jpg"),
    ]);
    return readdirSync(dir)
      .filter((f) => f.endsWith(".jpg"))
      .sort()
      .map((f) => readFileSync(path.join(dir, f)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
