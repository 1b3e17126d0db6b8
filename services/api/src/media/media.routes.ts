/**
 * Live media: short-lived signed HLS URLs for signed-in users, the HLS files themselves (token checked on
 * every request, no path can leave the media folder), the cameras of public demonstration sites without a
 * token under /public, a camera's status as the ingest reports it, and its latest frame as a snapshot.
 */
import { readFile } from "node:fs/promises";
import { get as httpGet, type IncomingMessage } from "node:http";
import path from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  CameraStatus,
  cameraStreamPath,
  ErrorBody,
  IdParams,
  nmsFlvUrl,
  nmsPlaySecret,
  pushStreamPath,
  REDIS_KEYS,
  resolveDataDir,
  signMediaToken,
  signPublishKey,
  verifyMediaToken,
} from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import { CameraRepository } from "../cameras/camera.repository.js";
import type { ApiDeps } from "../context.js";
import { badRequest, HttpError, notFound } from "../errors.js";
import { cameraStatusOf } from "../live/camera-status.js";
import { can, currentUser } from "../plugins/auth.plugin.js";

/** A push camera's key lasts a year: it is configured once on the device. */
const PUSH_KEY_TTL_SECONDS = 365 * 24 * 3600;

/** The only file names the HLS folder serves: the playlist and its segments. */
const HLS_FILE = /^(index\.m3u8|seg-\d{1,20}\.ts)$/;

/** Appends the token to every segment URI of a playlist, so that the player's segment requests carry it. */
export function withToken(playlist: string, token: string): string {
  return playlist
    .split("\n")
    .map((line) => (line && !line.startsWith("#") ? `${line}?token=${encodeURIComponent(token)}` : line))
    .join("\n");
}

const LiveView = Type.Object({
  cameraId: Type.Integer(),
  hls: Type.String({ description: "Playlist URL with its signed token." }),
  flv: Type.Optional(
    Type.String({ description: "Low-latency HTTP-FLV URL with its signed token (when RTMP/FLV is on)." }),
  ),
  expiresAt: Type.String({ format: "date-time" }),
});

const StatusView = Type.Union([CameraStatus]);

const MediaBody = Type.Unsafe<string | Buffer>({ type: "string", format: "binary" });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const mediaRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (
  app,
  { db, redis, keyring, config },
) => {
  const cameras = new CameraRepository(db);
  const hlsRoot = path.join(resolveDataDir(config), "media", "hls");
  const ttl = config.MEDIA_TOKEN_TTL_SECONDS;

  async function visibleCamera(
    req: Parameters<typeof currentUser>[0],
    id: number,
    action: "camera.read" | "camera.live",
  ) {
    const c = await cameras.find(id);
    if (!c) throw notFound("camera");
    can(currentUser(req), "camera.read", "camera", { stationId: c.station_id });
    if (action === "camera.live") can(currentUser(req), "camera.live", "camera", { stationId: c.station_id });
    return c;
  }

  async function serveHls(cameraId: number, file: string, token: string | null) {
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
      const c = await visibleCamera(req, req.params.id, "camera.live");
      const token = signMediaToken(keyring.mediaToken, c.id, ttl);
      return {
        cameraId: c.id,
        hls: `/media/hls/${c.id}/index.m3u8?token=${encodeURIComponent(token)}`,
        ...(config.RTMP_PORT > 0 ? { flv: `/media/flv/${c.id}?token=${encodeURIComponent(token)}` } : {}),
        expiresAt: new Date(Number(token.split(".")[0]) * 1000).toISOString(),
      };
    },
  );

  app.get(
    "/api/cameras/:id/publish-url",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary:
          "For an RTMP push camera: the URL to configure on the device (signed key, a year), and the sourceUrl to give the camera so the ingest pulls it",
        params: IdParams,
        response: {
          200: Type.Object({
            publishUrl: Type.String(),
            sourceUrl: Type.String(),
            expiresAt: Type.String({ format: "date-time" }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const c = await visibleCamera(req, req.params.id, "camera.read");
      can(user, "camera.update", "camera", { stationId: c.station_id });
      if (config.RTMP_PORT === 0) throw new HttpError(404, "rtmp_off", "RTMP is turned off (RTMP_PORT=0)");
      const streamPath = pushStreamPath(c.id);
      const key = signPublishKey(keyring.mediaToken, streamPath, PUSH_KEY_TTL_SECONDS);
      await new AuditRepository(db).record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.publish_key_issued",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
      });
      return {
        publishUrl: `rtmp://${req.hostname.replace(/:\d+$/, "")}:${config.RTMP_PORT}${streamPath}?key=${key}`,
        sourceUrl: `rtmp://127.0.0.1:${config.RTMP_PORT}${streamPath}`,
        expiresAt: new Date(Number(key.split(".")[0]) * 1000).toISOString(),
      };
    },
  );

  app.get(
    "/api/cameras/:id/status",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary: "The camera's status as the ingest reports it (offline when no ingest reports it)",
        params: IdParams,
        response: { 200: StatusView, ...errors },
      },
    },
    async (req) => {
      const c = await visibleCamera(req, req.params.id, "camera.read");
      return cameraStatusOf(c, await redis.get(REDIS_KEYS.cameraStatus(c.id)), new Date());
    },
  );

  app.get(
    "/api/cameras/:id/snapshot",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary: "The latest frame of the camera, as JPEG",
        params: IdParams,
        response: { 200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }), ...errors },
      },
    },
    async (req, reply) => {
      const c = await visibleCamera(req, req.params.id, "camera.live");
      const jpeg = await redis.getBuffer(REDIS_KEYS.cameraSnapshot(c.id));
      if (!jpeg) throw new HttpError(404, "no_snapshot", "no recent frame from this camera");
      return reply.type("image/jpeg").header("cache-control", "no-store").send(jpeg);
    },
  );

  const HlsParams = Type.Object(
    { cameraId: Type.Integer({ minimum: 1, maximum: 2147483647 }), file: Type.String({ maxLength: 64 }) },
    { additionalProperties: false },
  );

  app.get(
    "/media/hls/:cameraId/:file",
    {
      schema: {
        tags: ["media"],
        summary: "Live HLS of a camera; every request carries a signed token",
        params: HlsParams,
        querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: MediaBody, ...errors },
      },
    },
    async (req, reply) => {
      const check = verifyMediaToken(keyring.mediaToken, req.params.cameraId, req.query.token);
      if (check !== "ok") {
        throw new HttpError(403, "media_token_invalid", `media token ${check}`);
      }
      const r = await serveHls(req.params.cameraId, req.params.file, req.query.token!);
      return reply.type(r.type).header("cache-control", r.cache).send(r.body);
    },
  );

  // Live FLV streams never end by themselves: a closing server ends them, or it would wait for the viewers.
  const flvStreams = new Set<IncomingMessage>();
  app.addHook("preClose", async () => {
    for (const s of flvStreams) s.destroy();
  });

  app.get(
    "/media/flv/:cameraId",
    {
      schema: {
        tags: ["media"],
        summary:
          "Low-latency live view (HTTP-FLV, about 1 s) of a camera, through node-media-server; signed token",
        params: Type.Object({ cameraId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: MediaBody, ...errors, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const check = verifyMediaToken(keyring.mediaToken, req.params.cameraId, req.query.token);
      if (check !== "ok") throw new HttpError(403, "media_token_invalid", `media token ${check}`);
      if (config.RTMP_PORT === 0)
        throw new HttpError(404, "flv_off", "FLV live view is turned off (RTMP_PORT=0)");
      const upstream = nmsFlvUrl(
        config.NMS_HTTP_PORT,
        cameraStreamPath(req.params.cameraId),
        nmsPlaySecret(keyring),
      );
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const r = httpGet(upstream, resolve);
        r.on("error", reject);
        r.setTimeout(5000, () => r.destroy(new Error("timeout")));
      }).catch(() => null);
      if (!res) throw new HttpError(503, "flv_unavailable", "the FLV server does not answer");
      if (res.statusCode !== 200) {
        res.resume();
        throw notFound("live FLV stream");
      }
      req.raw.on("close", () => res.destroy());
      flvStreams.add(res);
      res.once("close", () => flvStreams.delete(res));
      // A live stream: fastify pipes it, and destroys it when the viewer goes away.
      return reply
        .type("video/x-flv")
        .header("cache-control", "no-store")
        .send(res as unknown as Buffer);
    },
  );

  app.get(
    "/public/hls/:cameraId/:file",
    {
      schema: {
        tags: ["public"],
        summary: "Live HLS of a public camera of a transparent-supervision demonstration site (no sign-in)",
        params: HlsParams,
        response: { 200: MediaBody, ...errors },
      },
    },
    async (req, reply) => {
      const c = await db
        .selectFrom("cameras as c")
        .innerJoin("workshops as w", "w.id", "c.workshop_id")
        .select("c.id")
        .where("c.id", "=", req.params.cameraId)
        .where("c.public", "=", true)
        .where("c.enabled", "=", true)
        .where("w.demo_site", "=", true)
        .executeTakeFirst();
      if (!c) throw notFound("public camera");
      const r = await serveHls(c.id, req.params.file, null);
      return reply.type(r.type).header("cache-control", r.cache).send(r.body);
    },
  );

  app.get(
    "/public/sites",
    {
      schema: {
        tags: ["public"],
        summary: "The transparent-supervision demonstration sites and their public cameras",
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                workshopId: Type.Integer(),
                name: Type.String(),
                category: Type.String(),
                stationName: Type.String(),
                address: Type.String(),
                licenceNo: Type.String(),
                cameras: Type.Array(
                  Type.Object({
                    id: Type.Integer(),
                    name: Type.String(),
                    area: Type.String(),
                    hls: Type.String(),
                  }),
                ),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const rows = await db
        .selectFrom("workshops as w")
        .innerJoin("stations as s", "s.id", "w.station_id")
        .innerJoin("cameras as c", "c.workshop_id", "w.id")
        .select([
          "w.id as wid",
          "w.name",
          "w.category",
          "w.address",
          "w.licence_no",
          "s.name as station",
          "c.id as cid",
          "c.name as cname",
          "c.area",
        ])
        .where("w.demo_site", "=", true)
        .where("c.public", "=", true)
        .where("c.enabled", "=", true)
        .orderBy("w.id")
        .orderBy("c.id")
        .execute();
      const sites = new Map<
        number,
        {
          workshopId: number;
          name: string;
          category: string;
          stationName: string;
          address: string;
          licenceNo: string;
          cameras: { id: number; name: string; area: string; hls: string }[];
        }
      >();
      for (const r of rows) {
        let s = sites.get(r.wid);
        if (!s) {
          s = {
            workshopId: r.wid,
            name: r.name,
            category: r.category,
            stationName: r.station,
            address: r.address,
            licenceNo: r.licence_no,
            cameras: [],
          };
          sites.set(r.wid, s);
        }
        s.cameras.push({ id: r.cid, name: r.cname, area: r.area, hls: `/public/hls/${r.cid}/index.m3u8` });
      }
      return { items: [...sites.values()] };
    },
  );
};
