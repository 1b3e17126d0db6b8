/**
 * The HLS VOD playlist of a span of continuous recording, made from the index alone (no file is opened):
 * each chunk's 1 s parts are grouped into entries of about 4–6 s, each entry a byte range of the chunk file
 * (`#EXT-X-BYTERANGE`), with `#EXT-X-PROGRAM-DATE-TIME` at each chunk and `#EXT-X-DISCONTINUITY` where the
 * recording has a gap (the camera's process restarted: its timestamps start again). Pure.
 */

/** What the playlist needs of a chunk (a `recording_chunks` row). */
export interface PlaylistChunk {
  id: string;
  startedAt: Date;
  /** `[bytes, ms]` per segment, in file order. */
  parts: [number, number][];
}

/** One playlist entry: consecutive parts of one chunk, as one byte range. */
export interface VodEntry {
  chunkId: string;
  offset: number;
  length: number;
  start: number;
  durationMs: number;
}

/** An entry is closed once it reaches this long. */
export const ENTRY_TARGET_MS = 4000;
/** A short tail of a chunk joins the entry before it while the two stay within this. */
export const ENTRY_MAX_MS = 6000;
/** Between two entries, a jump of more than this (either way) is a gap: a discontinuity. */
export const GAP_TOLERANCE_MS = 500;

/** The chunk's parts that overlap [from, to), grouped into entries of about 4–6 s. */
export function chunkEntries(chunk: PlaylistChunk, from: number, to: number): VodEntry[] {
  const out: VodEntry[] = [];
  let cur: VodEntry | null = null;
  let offset = 0;
  let t = chunk.startedAt.getTime();
  for (const [bytes, ms] of chunk.parts) {
    const overlaps = t + ms > from && t < to && bytes > 0 && ms > 0;
    if (overlaps) {
      if (!cur) cur = { chunkId: chunk.id, offset, length: 0, start: t, durationMs: 0 };
      cur.length += bytes;
      cur.durationMs += ms;
      if (cur.durationMs >= ENTRY_TARGET_MS) {
        out.push(cur);
        cur = null;
      }
    } else if (cur) {
      out.push(cur);
      cur = null;
    }
    offset += bytes;
    t += ms;
  }
  if (cur) {
    const prev = out[out.length - 1];
    const follows = prev && prev.offset + prev.length === cur.offset;
    if (prev && follows && prev.durationMs + cur.durationMs <= ENTRY_MAX_MS) {
      prev.length += cur.length;
      prev.durationMs += cur.durationMs;
    } else out.push(cur);
  }
  return out;
}

/** Every entry of the chunks (in time order) within [from, to). */
export function vodEntries(chunks: PlaylistChunk[], from: number, to: number): VodEntry[] {
  const sorted = [...chunks].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  return sorted.flatMap((c) => chunkEntries(c, from, to));
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * The playlist text. `uri(chunkId)` gives a segment's URI (with its signed grant). An empty span is still
 * a valid, empty VOD playlist; the route answers 404 before that.
 */
export function buildVodPlaylist(entries: VodEntry[], uri: (chunkId: string) => string): string {
  const target = Math.max(1, ...entries.map((e) => Math.ceil(e.durationMs / 1000)));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:4",
    `#EXT-X-TARGETDURATION:${target}`,
    "#EXT-X-PLAYLIST-TYPE:VOD",
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-INDEPENDENT-SEGMENTS",
  ];
  let prev: VodEntry | null = null;
  for (const e of entries) {
    const newChunk = !prev || prev.chunkId !== e.chunkId;
    if (prev && Math.abs(e.start - (prev.start + prev.durationMs)) > GAP_TOLERANCE_MS) {
      lines.push("#EXT-X-DISCONTINUITY");
    }
    if (newChunk) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(e.start).toISOString()}`);
    lines.push(
      `#EXTINF:${seconds(e.durationMs)},`,
      `#EXT-X-BYTERANGE:${e.length}@${e.offset}`,
      uri(e.chunkId),
    );
    prev = e;
  }
  lines.push("#EXT-X-ENDLIST", "");
  return lines.join("\n");
}
