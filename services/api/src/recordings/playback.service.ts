/**
 * Playback (docs/recordings.md, "Playback"): a camera's day on the timeline, the signed grant of a span
 * (camera, from, to, user; `signRecordingToken`) carried on every media URL, and the VOD playlist.
 */
import path from "node:path";
import {
  type RecordingDayView,
  type RecordingGrant,
  type RecordingPolicy,
  signRecordingToken,
  verifyRecordingToken,
} from "@mingfang/core";
import { dayStart } from "../dashboard/dashboard.service.js";
import { badRequest, HttpError, notFound } from "../errors.js";
import type { ChunkTime, ClipSpan, DayAlert, PlaybackRepository } from "./playback.repository.js";
import type { ChunkRow, RecordingRepository } from "./recording.repository.js";
import { buildVodPlaylist, vodEntries } from "./vod-playlist.js";

const DAY_MS = 86_400_000;
/** The longest span one playlist covers. */
export const PLAYLIST_MAX_MS = DAY_MS;
/** Chunks closer than this are one span on the timeline. */
export const SPAN_GAP_MS = 2000;
/**
 * How long a playback link is valid. Longer than a live link (MEDIA_TOKEN_TTL_SECONDS): the player fetches
 * segments for as long as it plays; the console asks for fresh links when one has expired.
 */
export const PLAYBACK_TOKEN_TTL_SECONDS = 3 * 3600;

type Span = RecordingDayView["spans"][number];

/** Chunks (in time order) merged where they touch (gap ≤ `gapMs`), clipped to [from, to). Pure. */
export function mergeSpans(chunks: ChunkTime[], from: number, to: number, gapMs = SPAN_GAP_MS): Span[] {
  const out: { from: number; to: number; bytes: number }[] = [];
  const sorted = [...chunks].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  for (const c of sorted) {
    const a = Math.max(from, c.startedAt.getTime());
    const b = Math.min(to, c.endedAt.getTime());
    if (b <= a) continue;
    const last = out[out.length - 1];
    if (last && a - last.to <= gapMs) {
      last.to = Math.max(last.to, b);
      last.bytes += c.bytes;
    } else out.push({ from: a, to: b, bytes: c.bytes });
  }
  return out.map((s) => ({
    from: new Date(s.from).toISOString(),
    to: new Date(s.to).toISOString(),
    bytes: s.bytes,
    kind: "recording" as const,
  }));
}

/** An "events" camera's clips as spans of their own (each plays as its alert's MP4), clipped to the day. */
export function clipSpans(clips: ClipSpan[], from: number, to: number): Span[] {
  return clips.flatMap((c) => {
    const a = Math.max(from, c.startedAt.getTime());
    const b = Math.min(to, c.endedAt.getTime());
    if (b <= a) return [];
    return [
      {
        from: new Date(a).toISOString(),
        to: new Date(b).toISOString(),
        bytes: c.bytes,
        kind: "clip" as const,
        alertId: c.alertId,
      },
    ];
  });
}

/** The instants a local (Asia/Shanghai) day `yyyy-mm-dd` begins and ends; a 400 for anything else. */
export function dayWindow(day: string): { from: number; to: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const start = m ? dayStart(day).getTime() : Number.NaN;
  if (
    !m ||
    Number.isNaN(start) ||
    new Date(Date.parse(`${day}T00:00:00Z`)).toISOString().slice(0, 10) !== day
  )
    throw badRequest("day", "query: 'day' must be a calendar day yyyy-mm-dd");
  return { from: start, to: start + DAY_MS };
}

export async function dayView(
  repo: PlaybackRepository,
  camera: { id: number; recording_policy: string },
  day: string,
): Promise<RecordingDayView> {
  const { from, to } = dayWindow(day);
  const [f, t] = [new Date(from), new Date(to)];
  const policy = camera.recording_policy as RecordingPolicy;
  const viewPolicy = policy as RecordingDayView["policy"];
  const [chunks, clips, alerts] = await Promise.all([
    repo.chunkTimes(camera.id, f, t),
    policy === "events" ? repo.clipSpans(camera.id, f, t) : Promise.resolve([]),
    repo.alerts(camera.id, f, t),
  ]);
  const spans = [...mergeSpans(chunks, from, to), ...clipSpans(clips, from, to)].sort((a, b) =>
    a.from.localeCompare(b.from),
  );
  return { cameraId: camera.id, day, policy: viewPolicy, spans, alerts: alerts.map(alertMark) };
}

const alertMark = (a: DayAlert) => ({
  id: a.id,
  type: a.type,
  grade: a.grade,
  at: a.capturedAt.toISOString(),
  clip: a.clip,
});

/** The query string every recording media URL carries: the grant and its token. */
export function grantQuery(g: RecordingGrant, token: string): string {
  return `from=${g.from}&to=${g.to}&uid=${g.userId}&token=${encodeURIComponent(token)}`;
}

/** Signed playlist and download URLs of a span, and when they expire. */
export function signLinks(key: Buffer, g: RecordingGrant, now = Date.now()) {
  const token = signRecordingToken(key, g, PLAYBACK_TOKEN_TTL_SECONDS, now);
  const q = grantQuery(g, token);
  return {
    playlist: `/media/rec/${g.cameraId}/index.m3u8?${q}`,
    download: `/media/rec/${g.cameraId}/download.mp4?${q}`,
    expiresAt: new Date(Number(token.split(".")[0]) * 1000).toISOString(),
  };
}

export interface GrantQuery {
  from: number;
  to: number;
  uid: number;
  token?: string | undefined;
}

/** The grant of a media request, or a 403 when its token is not this grant's or has expired. */
export function checkGrant(key: Buffer, cameraId: number, q: GrantQuery): RecordingGrant {
  const g: RecordingGrant = { cameraId, from: q.from, to: q.to, userId: q.uid };
  const check = verifyRecordingToken(key, g, q.token);
  if (check !== "ok") throw new HttpError(403, "media_token_invalid", `recording token ${check}`);
  return g;
}

/** A span given as ISO instants: a 400 naming the field when it is not a span of at most `maxMs`. */
export function parseSpan(
  from: string,
  to: string,
  maxMs: number,
  what: string,
): { from: number; to: number } {
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a)) throw badRequest("from", "query: 'from' is not a date-time");
  if (Number.isNaN(b)) throw badRequest("to", "query: 'to' is not a date-time");
  if (b <= a) throw badRequest("to", "query: 'to' must be after 'from'");
  if (b - a > maxMs) {
    throw badRequest("to", `query: the span is ${Math.ceil((b - a) / 60_000)} minutes, ${what}`);
  }
  return { from: a, to: b };
}

/** The VOD playlist of a grant, its segments pointing at the chunk route with the same grant; 404 when empty. */
export async function grantPlaylist(
  chunks: RecordingRepository,
  g: RecordingGrant,
  token: string,
): Promise<string> {
  const rows = await chunks.overlapping(g.cameraId, new Date(g.from), new Date(g.to));
  const entries = vodEntries(rows, g.from, g.to);
  if (entries.length === 0) throw notFound("recording in this span");
  const q = grantQuery(g, token);
  return buildVodPlaylist(entries, (id) => `/media/rec/${g.cameraId}/chunk/${id}.ts?${q}`);
}

/** A chunk's file, which must lie under `recRoot` (DATA_DIR/media/rec). */
export function chunkFile(mediaRoot: string, recRoot: string, chunk: ChunkRow): string {
  const file = path.resolve(mediaRoot, chunk.path);
  if (!file.startsWith(path.resolve(recRoot) + path.sep)) throw notFound("recording");
  return file;
}
