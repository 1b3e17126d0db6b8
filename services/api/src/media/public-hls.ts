/**
 * The files of a public camera's live HLS, for anyone: the camera's own folder when it has no privacy
 * masks, and ONLY its masked folder (`<id>/public/`, written by the ingest's masked transcode) when it has
 * some. Never fail open: a masked camera whose masked output is not there yet is a 404, never the private
 * stream. Each output has its own segment names (`seg-N.ts` private, `mseg-N.ts` masked), so a name asked
 * of the wrong kind is a 404 too, and segments may be cached for long.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { notFound } from "../errors.js";

const PLAYLIST = "index.m3u8";
const SEGMENT = { private: /^seg-\d{1,20}\.ts$/, masked: /^mseg-\d{1,20}\.ts$/ };

/**
 * Playlists change every segment: revalidate always. Segment names are unique (epoch-numbered, never
 * reused), so a segment never changes: cache it for long, in shared caches too.
 */
export const PUBLIC_CACHE = {
  playlist: "public, max-age=1, must-revalidate",
  segment: "public, max-age=31536000, immutable",
} as const;

/** Where a public camera's HLS files are: its masked folder when masked, its own folder otherwise. */
export function publicHlsDir(hlsRoot: string, cameraId: number, masked: boolean): string {
  const dir = path.join(hlsRoot, String(cameraId));
  return masked ? path.join(dir, "public") : dir;
}

/** The playlist or a segment of the public output, or a 404 (a name that is neither, or not there). */
export async function readPublicHlsFile(hlsRoot: string, cameraId: number, masked: boolean, file: string) {
  const isPlaylist = file === PLAYLIST;
  if (!isPlaylist && !SEGMENT[masked ? "masked" : "private"].test(file)) throw notFound("media");
  const full = path.join(publicHlsDir(hlsRoot, cameraId, masked), file);
  let body: Buffer;
  try {
    body = await readFile(full);
  } catch {
    throw notFound("media");
  }
  return isPlaylist
    ? { type: "application/vnd.apple.mpegurl", body: body.toString("utf8"), cache: PUBLIC_CACHE.playlist }
    : { type: "video/mp2t", body, cache: PUBLIC_CACHE.segment };
}
