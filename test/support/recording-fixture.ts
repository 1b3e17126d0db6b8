/**
 * Continuous recording for tests, made as the archiver makes it (docs/recordings.md): real 1 s MPEG-TS
 * segments (ffmpeg's HLS muxer, as the ingest writes them), concatenated into chunk files of about a minute
 * under `DATA_DIR/media/rec/<camera>/<yyyy-mm-dd>/<hh>/<start ms>.ts`, never across an hour, each indexed by
 * a `recording_chunks` row with its parts. One span of recording is one "camera process run": its
 * timestamps run on across chunks and start again at the next span (a gap).
 *
 * To stay cheap, 10 s of test pattern are encoded once (320×180, 10 fps, a keyframe every second) and
 * looped by stream copy for as long as a span lasts.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Db } from "@mingfang/db";
import { RecordingRepository } from "../../services/api/src/recordings/recording.repository.js";

const run = promisify(execFile);

export interface RecordedSpan {
  start: Date;
  seconds: number;
}

export interface MadeChunk {
  id: string;
  path: string;
  startedAt: Date;
  endedAt: Date;
  bytes: number;
  parts: [number, number][];
}

let base: Promise<string> | null = null;

/** 10 s of H.264 test pattern in MPEG-TS with a keyframe every second (made once per process). */
function baseClip(): Promise<string> {
  base ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mf-recfix-"));
    const out = path.join(dir, "base.ts");
    await run("ffmpeg", [
      ...[
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x180:rate=10",
        "-t",
        "10",
      ],
      ...[
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "36",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "10",
        "-keyint_min",
        "10",
      ],
      ...["-sc_threshold", "0", "-f", "mpegts", "-y", out],
    ]);
    return out;
  })();
  return base;
}

/** One run of 1 s segments lasting `seconds`: [bytes of each segment, its duration in ms]. */
async function segmentRun(seconds: number): Promise<{ data: Buffer; ms: number }[]> {
  const clip = await baseClip();
  const dir = await mkdtemp(path.join(tmpdir(), "mf-recrun-"));
  try {
    await run("ffmpeg", [
      ...["-hide_banner", "-loglevel", "error", "-stream_loop", "-1", "-i", clip, "-c", "copy"],
      ...["-t", String(seconds), "-f", "hls", "-hls_time", "1", "-hls_list_size", "0"],
      ...["-hls_segment_filename", path.join(dir, "seg-%d.ts"), path.join(dir, "index.m3u8")],
    ]);
    const playlist = await readFile(path.join(dir, "index.m3u8"), "utf8");
    const out: { data: Buffer; ms: number }[] = [];
    let ms = 0;
    for (const line of playlist.split("\n")) {
      if (line.startsWith("#EXTINF:")) ms = Math.round(Number.parseFloat(line.slice(8)) * 1000);
      else if (line.startsWith("seg-")) out.push({ data: await readFile(path.join(dir, line.trim())), ms });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const HOUR_MS = 3_600_000;

/**
 * Records `spans` of camera `cameraId` into `dataDir`: chunk files and their rows. Returns the chunks made,
 * in time order.
 */
export async function recordSpans(
  db: Db,
  dataDir: string,
  cameraId: number,
  spans: RecordedSpan[],
  chunkSeconds = 60,
): Promise<MadeChunk[]> {
  const repo = new RecordingRepository(db);
  const made: MadeChunk[] = [];
  for (const span of spans) {
    const segments = await segmentRun(span.seconds);
    let t = span.start.getTime();
    let open: { start: number; bufs: Buffer[]; parts: [number, number][]; ms: number } | null = null;
    const close = async () => {
      if (!open || open.parts.length === 0) return;
      const d = new Date(open.start).toISOString();
      const rel = path.join("rec", String(cameraId), d.slice(0, 10), d.slice(11, 13), `${open.start}.ts`);
      const file = path.join(dataDir, "media", rel);
      await mkdir(path.dirname(file), { recursive: true });
      const bytes = Buffer.concat(open.bufs);
      await writeFile(file, bytes);
      const row = {
        cameraId,
        startedAt: new Date(open.start),
        endedAt: new Date(open.start + open.ms),
        bytes: bytes.length,
        path: rel,
        parts: open.parts,
      };
      const id = await repo.insert(row);
      made.push({ id, ...row });
      open = null;
    };
    for (const s of segments) {
      const crossesHour = open && Math.floor(open.start / HOUR_MS) !== Math.floor(t / HOUR_MS);
      if (open && (open.ms >= chunkSeconds * 1000 || crossesHour)) await close();
      open ??= { start: t, bufs: [], parts: [], ms: 0 };
      open.bufs.push(s.data);
      open.parts.push([s.data.length, s.ms]);
      open.ms += s.ms;
      t += s.ms;
    }
    await close();
  }
  return made;
}
