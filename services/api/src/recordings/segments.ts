/**
 * Where a camera's video is, as a list of MPEG-TS segments with their wall-clock times: the live folder the
 * ingest writes (`DATA_DIR/media/hls/<camera>/seg-<n>.ts`, kept RECORDING_BUFFER_SECONDS after they leave
 * the playlist) and the chunks of continuous recording (recording.repository.ts). Clips, the archiver and
 * playback all read video through these references.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

/** One segment: a whole file, or a byte range of a chunk file. */
export interface SegmentRef {
  /** Absolute path of the file holding it. */
  file: string;
  offset: number;
  length: number;
  start: Date;
  durationMs: number;
  /** The live segment's number (epoch-based, increasing), when it is one. */
  seq?: number;
}

export const segmentEnd = (s: SegmentRef) => s.start.getTime() + s.durationMs;

const SEGMENT_NAME = /^seg-(\d+)\.ts$/;

/** `#EXT-X-PROGRAM-DATE-TIME` and `#EXTINF` of each segment the playlist lists. Pure. */
export function parseLivePlaylist(text: string): Map<string, { start: Date | null; durationMs: number }> {
  const out = new Map<string, { start: Date | null; durationMs: number }>();
  let pdt: Date | null = null;
  let dur: number | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
      const d = new Date(line.slice("#EXT-X-PROGRAM-DATE-TIME:".length));
      pdt = Number.isNaN(d.getTime()) ? null : d;
    } else if (line.startsWith("#EXTINF:")) {
      dur = Number.parseFloat(line.slice("#EXTINF:".length));
    } else if (line && !line.startsWith("#")) {
      if (dur !== null && Number.isFinite(dur))
        out.set(line, { start: pdt, durationMs: Math.round(dur * 1000) });
      pdt = null;
      dur = null;
    }
  }
  return out;
}

interface LiveFile {
  name: string;
  seq: number;
  size: number;
  mtimeMs: number;
}

/**
 * Times of the segment files: a segment is renamed into place when it is complete, so its mtime is its
 * end (wall clock); its length is the playlist's EXTINF when listed, else the time since the previous
 * segment when the numbers follow on. The playlist's program date-time is NOT used for the start: ffmpeg
 * counts it from the process's start plus the media's duration, so the burst of buffered video a camera
 * sends on connection puts it seconds ahead of the wall clock for the whole run (measured in the demo:
 * 4.4 s ahead), and listed and older segments would disagree. Pure.
 */
export function timeLiveFiles(
  files: LiveFile[],
  listed: Map<string, { start: Date | null; durationMs: number }>,
  dir: string,
  segmentSeconds: number,
): SegmentRef[] {
  const sorted = [...files].sort((a, b) => a.seq - b.seq);
  const out: SegmentRef[] = [];
  sorted.forEach((f, i) => {
    const prev = sorted[i - 1];
    const fromPlaylist = listed.get(f.name);
    let durationMs = fromPlaylist?.durationMs ?? segmentSeconds * 1000;
    if (!fromPlaylist && prev && prev.seq === f.seq - 1) {
      const gap = f.mtimeMs - prev.mtimeMs;
      if (gap > 100 && gap < 3 * segmentSeconds * 1000) durationMs = Math.round(gap);
    }
    const start = new Date(Math.round(f.mtimeMs - durationMs));
    out.push({ file: path.join(dir, f.name), offset: 0, length: f.size, start, durationMs, seq: f.seq });
  });
  return out;
}

/** The complete segments in a camera's live folder, oldest first (none when the folder does not exist). */
export async function liveSegments(
  hlsRoot: string,
  cameraId: number,
  segmentSeconds: number,
): Promise<SegmentRef[]> {
  const dir = path.join(hlsRoot, String(cameraId));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files: LiveFile[] = [];
  for (const name of names) {
    const m = SEGMENT_NAME.exec(name);
    if (!m) continue;
    try {
      const st = await stat(path.join(dir, name));
      files.push({ name, seq: Number(m[1]), size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // deleted by ffmpeg meanwhile
    }
  }
  const playlist = await readFile(path.join(dir, "index.m3u8"), "utf8").catch(() => "");
  return timeLiveFiles(files, parseLivePlaylist(playlist), dir, segmentSeconds);
}

/** The segments that overlap [from, to), in time order. Pure. */
export function overlapping(segments: SegmentRef[], from: Date, to: Date): SegmentRef[] {
  return segments.filter((s) => segmentEnd(s) > from.getTime() && s.start.getTime() < to.getTime());
}

/** A chunk's segments as byte ranges of its file, from its `parts` ([bytes, ms] per segment). Pure. */
export function chunkSegments(chunk: {
  file: string;
  startedAt: Date;
  parts: [number, number][];
}): SegmentRef[] {
  const out: SegmentRef[] = [];
  let offset = 0;
  let t = chunk.startedAt.getTime();
  for (const [bytes, ms] of chunk.parts) {
    out.push({ file: chunk.file, offset, length: bytes, start: new Date(t), durationMs: ms });
    offset += bytes;
    t += ms;
  }
  return out;
}
