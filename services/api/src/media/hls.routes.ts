/**
 * Live HLS for signed-in users: a short-lived signed URL of a camera's playlist (and of its FLV stream when
 * RTMP/FLV is on), and the playlist and segments themselves, the token checked on every request.
 */
import { IdParams, signMediaToken } from "@mingfang/core";
import { Type } from "typebox";
import type { RouteApp } from "../context.js";
import {
  checkMediaToken,
  errors,
  HlsParams,
  MediaBody,
  type MediaContext,
  readHlsFile,
  TokenQuery,
  visibleCamera,
} from "./media-access.js";

const LiveView = Type.Object({
  cameraId: Type.Integer(),
  hls: Type.String({ description: "Playlist URL with its signed token." }),
  flv: Type.Optional(
    Type.String({ description: "Low-latency HTTP-FLV URL with its signed token (when RTMP/FLV is on)." }),
  ),
  expiresAt: Type.String({ format: "date-time" }),
});

export function liveUrlRoute(app: RouteApp, { deps, cameras }: MediaContext): void {
  const { config, keyring } = deps;
  app.get(
    "/api/cameras/:id/live",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary: "A short-lived signed URL of the camera's live HLS playlist",
        params: IdParams,
        response: { 200: LiveView, ...errors },
      },
    },
    async (req) => {
      const c = await visibleCamera(cameras, req, req.params.id, "camera.live");
      const token = signMediaToken(keyring.mediaToken, c.id, config.MEDIA_TOKEN_TTL_SECONDS);
      return {
        cameraId: c.id,
        hls: `/media/hls/${c.id}/index.m3u8?token=${encodeURIComponent(token)}`,
        ...(config.RTMP_PORT > 0 ? { flv: `/media/flv/${c.id}?token=${encodeURIComponent(token)}` } : {}),
        expiresAt: new Date(Number(token.split(".")[0]) * 1000).toISOString(),
      };
    },
  );
}

export function hlsFileRoute(app: RouteApp, { deps, hlsRoot }: MediaContext): void {
  app.get(
    "/media/hls/:cameraId/:file",
    {
      schema: {
        tags: ["media"],
        summary: "Live HLS of a camera; every request carries a signed token",
        params: HlsParams,
        querystring: TokenQuery,
        response: { 200: MediaBody, ...errors },
      },
    },
    async (req, reply) => {
      checkMediaToken(deps.keyring, req.params.cameraId, req.query.token);
      const r = await readHlsFile(hlsRoot, req.params.cameraId, req.params.file, req.query.token!);
      return reply.type(r.type).header("cache-control", r.cache).send(r.body);
    },
  );
}
