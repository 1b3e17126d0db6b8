/**
 * Real footage the evaluation, the benchmark and the tests share: OpenCV's vtest.avi from Debian's
 * opencv-doc (pedestrians on a square, 768×576), one frame at a time as JPEG.
 */
import { execFileSync } from "node:child_process";

export const VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

/** The frame of vtest.avi at `seconds`, as JPEG (ffmpeg, quality 3). */
export function vtestFrame(seconds: number): Buffer {
  return execFileSync(
    "ffmpeg",
    ["-loglevel", "error", "-ss", String(seconds), "-i", VTEST, "-frames:v", "1", "-q:v", "3"].concat([
      "-f",
      "image2pipe",
      "-vcodec",
      "mjpeg",
      "-",
    ]),
    { maxBuffer: 32 * 1024 * 1024 },
  );
}
