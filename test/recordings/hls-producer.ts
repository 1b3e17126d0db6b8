/**
 * A camera's live folder as the ingest writes it, for the clip tests: real ffmpeg (testsrc, x264, 1 s
 * GOP) → `<hlsRoot>/<camera>/index.m3u8` and `seg-<epoch n>.ts`, in real time, with the ingest's HLS
 * flags (program date-time, temp files, epoch numbers; ffmpeg deletes no segment, as with the recording buffer).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, utimesSync } from "node:fs";
import path from "node:path";

export interface HlsProducer {
  dir: string;
  /** Complete segments on disk now. */
  segments(): string[];
  /** Resolves once `n` complete segments exist. */
  waitSegments(n: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
  exited: Promise<void>;
}

export function startHlsProducer(
  hlsRoot: string,
  cameraId: number,
  opts: { seconds?: number; realtime?: boolean; listSize?: number; size?: string } = {},
): HlsProducer {
  const dir = path.join(hlsRoot, String(cameraId));
  mkdirSync(dir, { recursive: true });
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    ...(opts.realtime === false ? [] : ["-re"]),
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=${opts.size ?? "320x240"}:rate=10`,
    ...(opts.seconds ? ["-t", String(opts.seconds)] : []),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "10",
    "-pix_fmt",
    "yuv420p",
    "-f",
    "hls",
    "-hls_time",
    "1",
    "-hls_list_size",
    String(opts.listSize ?? 6),
    "-hls_flags",
    "independent_segments+program_date_time+temp_file",
    "-hls_start_number_source",
    "epoch",
    "-hls_segment_filename",
    path.join(dir, "seg-%d.ts"),
    path.join(dir, "index.m3u8"),
  ];
  const child: ChildProcess = spawn("ffmpeg", args, { stdio: ["pipe", "ignore", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const segments = () => {
    try {
      return readdirSync(dir).filter((f) => /^seg-\d+\.ts$/.test(f));
    } catch {
      return [];
    }
  };
  return {
    dir,
    segments,
    exited,
    async waitSegments(n, ms = 60_000) {
      const end = Date.now() + ms;
      while (segments().length < n) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${n} segments in ${dir}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end("q");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/**
 * Segments made faster than real time get the file times they would have had live: segment k (in number
 * order) ends `(k + 1) × segmentMs` after `startMs`. Returns the start.
 */
export function spreadMtimes(dir: string, startMs = Date.now() - 120_000, segmentMs = 1000): number {
  const names = readdirSync(dir)
    .filter((f) => /^seg-\d+\.ts$/.test(f))
    .sort((a, b) => Number(a.slice(4, -3)) - Number(b.slice(4, -3)));
  names.forEach((f, k) => {
    const t = new Date(startMs + (k + 1) * segmentMs);
    utimesSync(path.join(dir, f), t, t);
  });
  return startMs;
}
