/**
 * What the media routes share: who may see a camera, the media token check, and serving an HLS file of
 * the media folder (only a playlist or a segment name, never a path that leaves the folder).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ErrorBody, type Keyring, resolveDataDir, verifyMediaToken } from "@mingfang/core";
import { Type } from "typebox";
import { CameraRepository } from "../cameras/camera.repository.js";
import type { ApiDeps } from "../context.js";
import { badRequest, HttpError, notFound } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";

/** The only file names the HLS folder serves: the playlist and its segments. */
const HLS_FILE = /^(index\.m3u8|seg-\d{1,20}\.ts)$/;

export const MediaBody = Type.Unsafe<string | Buffer>({ type: "string", format: "binary" });

export const HlsParams = Type.Object(
  { cameraId: Type.Integer({ minimum: 1, maximum: 2147483647 }), file: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
);

export const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });

export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** What every media route is handed. */
export interface MediaContext {
  deps: ApiDeps;
  cameras: CameraRepository;
  /** `DATA_DIR/media/hls`: one folder per camera, written by the ingest. */
  hlsRoot: string;
}

export function mediaContext(deps: ApiDeps): MediaContext {
  return {
    deps,
    cameras: new CameraRepository(deps.db),
    hlsRoot: path.join(resolveDataDir(deps.config), "media", "hls"),
  };
}

/** The camera if the user may read it (and watch it, for `camera.live`); another station's is a 404. */
export async function visibleCamera(
  cameras: CameraRepository,
  req: Parameters<typeof currentUser>[0],
  id: number,
  action: "camera.read" | "camera.live",
) {
  const c = await cameras.findOrThrow(id);
  can(currentUser(req), "camera.read", "camera", { stationId: c.station_id });
  if (action === "camera.live") can(currentUser(req), "camera.live", "camera", { stationId: c.station_id });
  return c;
}

/** A 403 unless the token is this camera's and current. */
export function checkMediaToken(keyring: Keyring, cameraId: number, token: string | undefined): void {
  const check = verifyMediaToken(keyring.mediaToken, cameraId, token);
  if (check !== "ok") throw new HttpError(403, "media_token_invalid", `media token ${check}`);
}

/** Appends the token to every segment URI of a playlist, so that the player's segment requests carry it. */
export function withToken(playlist: string, token: string): string {
  return playlist
    .split("\n")
    .map((line) => (line && !line.startsWith("#") ? `${line}?token=${encodeURIComponent(token)}` : line))
    .join("\n");
}

/** A playlist (with the token carried onto its segments) or a segment of the camera's HLS folder. */
export async function readHlsFile(hlsRoot: string, cameraId: number, file: string, token: string | null) {
  if (!HLS_FILE.test(file)) throw badRequest("file", "params: 'file' is not a playlist or segment name");
  const full = path.join(hlsRoot, String(cameraId), file);
  if (!full.startsWith(hlsRoot + path.sep)) throw badRequest("file", "params: bad path");
  let data: Buffer;
  try {
    data = await readFile(full);
  } catch {
    throw notFound("media");
  }
  if (file.endsWith(".m3u8")) {
    const text = data.toString("utf8");
    return {
      type: "application/vnd.apple.mpegurl",
      body: token ? withToken(text, token) : text,
      cache: "no-cache",
    };
  }
  return { type: "video/mp2t", body: data, cache: "private, max-age=60" };
}
