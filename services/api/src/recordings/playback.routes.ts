/**
 * Playback of recordings (docs/recordings.md, "Playback"): a camera's day for the timeline, signed links
 * of a span (audited as `recording.view`), and the media they point at — the HLS VOD playlist, the chunk
 * files by byte range, the span as one MP4 (audited as `recording.download`). The media routes need no
 * session: the signed grant (camera, from, to, user) is checked on every request.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  authorize,
  ErrorBody,
  IdParams,
  RecordingDayView,
  type RecordingGrant,
  RecordingLinksView,
  resolveDataDir,
} from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import { CameraRepository } from "../cameras/camera.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { badRequest, HttpError, notFound } from "../errors.js";
import { sendFileRange } from "../media/file-range.js";
import { can, currentUser, enforce } from "../plugins/auth.plugin.js";
import { downloadDisposition, downloadPlan, remuxToFile } from "./playback.download.js";
import { PlaybackRepository } from "./playback.repository.js";
import {
  checkGrant,
  chunkFile,
  dayView,
  grantPlaylist,
  PLAYLIST_MAX_MS,
  parseSpan,
  signLinks,
} from "./playback.service.js";
import { RecordingRepository } from "./recording.repository.js";
import { RemuxError } from "./remux.js";

interface Ctx {
  deps: ApiDeps;
  cameras: CameraRepository;
  chunks: RecordingRepository;
  repo: PlaybackRepository;
  audit: AuditRepository;
  mediaRoot: string;
  recRoot: string;
  /** Downloads being assembled in this process. */
  busy: { downloads: number };
}

/** At most this many MP4s are assembled at once per API process (each is an ffmpeg and disk I/O). */
export const MAX_CONCURRENT_DOWNLOADS = 2;

/** A file streamed from disk. */
const MediaBody = Type.Unsafe<string | Buffer | NodeJS.ReadableStream>({ type: "string", format: "binary" });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const Ms = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000 });
const GrantQuery = Type.Object({
  from: Ms,
  to: Ms,
  uid: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  token: Type.Optional(Type.String({ maxLength: 200 })),
});
const CameraParams = Type.Object(
  { cameraId: Type.Integer({ minimum: 1, maximum: 2147483647 }) },
  { additionalProperties: false },
);
const ChunkParams = Type.Object(
  { cameraId: Type.Integer({ minimum: 1, maximum: 2147483647 }), file: Type.String({ maxLength: 40 }) },
  { additionalProperties: false },
);

/** The camera if the user may see its recordings (another station's: 404). */
async function recordingCamera(ctx: Ctx, req: Parameters<typeof currentUser>[0], id: number) {
  const c = await ctx.cameras.findOrThrow(id);
  const user = currentUser(req);
  can(user, "camera.read", "camera", { stationId: c.station_id });
  can(user, "recording.view", "camera", { stationId: c.station_id });
  return c;
}

/**
 * The link's user, checked again when the playlist or the MP4 is fetched: a user disabled since the link was
 * signed, or who may no longer do `action` on the camera, is refused. Returns the camera and the user.
 */
async function linkHolder(ctx: Ctx, g: RecordingGrant, action: "recording.view" | "recording.download") {
  const c = await ctx.cameras.findOrThrow(g.cameraId);
  const user = await ctx.repo.linkUser(g.userId);
  if (!user || user.disabled)
    throw new HttpError(403, "media_token_invalid", "the link's user may not do this");
  enforce(authorize(user, action, { stationId: c.station_id }), "camera");
  return { c, user };
}

function dayRoute(app: RouteApp, ctx: Ctx): void {
  app.get(
    "/api/cameras/:id/recordings",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["recordings"],
        summary: "A camera's day for the playback timeline: recorded spans, clip spans, alerts as marks",
        params: IdParams,
        querystring: Type.Object({
          day: Type.String({ maxLength: 10, description: "yyyy-mm-dd (Asia/Shanghai)" }),
        }),
        response: { 200: RecordingDayView, ...errors },
      },
    },
    async (req) => {
      const c = await recordingCamera(ctx, req, req.params.id);
      return dayView(ctx.repo, c, req.query.day);
    },
  );
}

function linksRoute(app: RouteApp, ctx: Ctx): void {
  const maxDownloadMs = ctx.deps.config.RECORDING_DOWNLOAD_MAX_MINUTES * 60_000;
  app.get(
    "/api/cameras/:id/recordings/links",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["recordings"],
        summary: "Signed, expiring playlist and MP4 URLs of a span of recording (audited as recording.view)",
        params: IdParams,
        querystring: Type.Object({
          from: Type.String({ maxLength: 40, description: "ISO 8601 instant" }),
          to: Type.String({ maxLength: 40, description: "ISO 8601 instant; at most 24 h after from" }),
          download: Type.Optional(
            Type.Boolean({
              description: "For a download: the span must be at most RECORDING_DOWNLOAD_MAX_MINUTES",
            }),
          ),
        }),
        response: { 200: RecordingLinksView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const c = await recordingCamera(ctx, req, req.params.id);
      const span = req.query.download
        ? parseSpan(
            req.query.from,
            req.query.to,
            maxDownloadMs,
            `a download covers at most ${maxDownloadMs / 60_000}`,
          )
        : parseSpan(req.query.from, req.query.to, PLAYLIST_MAX_MS, "a playlist covers at most 1440");
      if (req.query.download) can(user, "recording.download", "camera", { stationId: c.station_id });
      const grant: RecordingGrant = { cameraId: c.id, from: span.from, to: span.to, userId: user.id };
      const links = signLinks(ctx.deps.keyring.mediaToken, grant);
      const from = new Date(span.from).toISOString();
      const to = new Date(span.to).toISOString();
      await ctx.audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "recording.view",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        detail: { from, to, ...(req.query.download ? { download: true } : {}) },
      });
      return { cameraId: c.id, from, to, ...links };
    },
  );
}

function playlistRoute(app: RouteApp, ctx: Ctx): void {
  app.get(
    "/media/rec/:cameraId/index.m3u8",
    {
      schema: {
        tags: ["recordings"],
        summary: "HLS VOD playlist of a granted span (byte ranges of the recording's chunk files)",
        params: CameraParams,
        querystring: GrantQuery,
        response: { 200: MediaBody, ...errors },
      },
    },
    async (req, reply) => {
      const g = checkGrant(ctx.deps.keyring.mediaToken, req.params.cameraId, req.query);
      await linkHolder(ctx, g, "recording.view");
      const text = await grantPlaylist(ctx.chunks, g, req.query.token as string);
      return reply
        .type("application/vnd.apple.mpegurl")
        .header("cache-control", "private, no-cache")
        .send(text);
    },
  );
}

function chunkRoute(app: RouteApp, ctx: Ctx): void {
  app.get(
    "/media/rec/:cameraId/chunk/:file",
    {
      schema: {
        tags: ["recordings"],
        summary: "A chunk file of recording (Range supported) within a granted span",
        params: ChunkParams,
        querystring: GrantQuery,
        response: { 200: MediaBody, 206: MediaBody, 416: ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      const g = checkGrant(ctx.deps.keyring.mediaToken, req.params.cameraId, req.query);
      const m = /^(\d{1,18})\.ts$/.exec(req.params.file);
      if (!m) throw badRequest("file", "params: 'file' is not a chunk name");
      const chunk = await ctx.chunks.byId(m[1] as string);
      const inGrant =
        chunk &&
        chunk.cameraId === g.cameraId &&
        chunk.startedAt.getTime() < g.to &&
        chunk.endedAt.getTime() > g.from;
      if (!chunk || !inGrant) throw notFound("recording");
      const file = chunkFile(ctx.mediaRoot, ctx.recRoot, chunk);
      const size = await stat(file).then(
        (s) => s.size,
        () => -1,
      );
      if (size < 0) throw notFound("recording");
      if (size !== chunk.bytes)
        throw new HttpError(409, "recording_mismatch", "the chunk file does not match its index");
      reply.type("video/mp2t").header("cache-control", "private, max-age=3600");
      return sendFileRange(reply, file, size, req.headers.range);
    },
  );
}

function downloadRoute(app: RouteApp, ctx: Ctx): void {
  const maxMs = ctx.deps.config.RECORDING_DOWNLOAD_MAX_MINUTES * 60_000;
  app.get(
    "/media/rec/:cameraId/download.mp4",
    {
      schema: {
        tags: ["recordings"],
        summary: "A granted span of recording as one MP4 (stream copy; audited as recording.download)",
        params: CameraParams,
        querystring: GrantQuery,
        response: { 200: MediaBody, 409: ErrorBody, 429: ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      const g = checkGrant(ctx.deps.keyring.mediaToken, req.params.cameraId, req.query);
      if (g.to - g.from > maxMs) {
        throw badRequest("to", `query: a download covers at most ${maxMs / 60_000} minutes`);
      }
      const { c, user } = await linkHolder(ctx, g, "recording.download");
      const rows = await ctx.chunks.overlapping(g.cameraId, new Date(g.from), new Date(g.to));
      const chunks = rows.map((r) => ({ ...r, file: chunkFile(ctx.mediaRoot, ctx.recRoot, r) }));
      const plan = downloadPlan(chunks, g.from, g.to);
      if (!plan) throw notFound("recording in this span");
      if (ctx.busy.downloads >= MAX_CONCURRENT_DOWNLOADS) {
        throw new HttpError(
          429,
          "too_many_requests",
          "other downloads are being assembled; try again shortly",
        );
      }
      ctx.busy.downloads++;
      let mp4: Awaited<ReturnType<typeof remuxToFile>>;
      try {
        mp4 = await remuxToFile(plan);
      } catch (err) {
        req.log.warn({ cameraId: g.cameraId, err: (err as Error).message }, "recording download failed");
        if (err instanceof RemuxError)
          throw new HttpError(
            409,
            "recording_unavailable",
            "the recording of this span could not be assembled",
          );
        throw err;
      } finally {
        ctx.busy.downloads--;
      }
      await ctx.audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "recording.download",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        detail: { from: new Date(g.from).toISOString(), to: new Date(g.to).toISOString(), bytes: mp4.bytes },
      });
      const body = createReadStream(mp4.file);
      body.on("close", () => void mp4.cleanup());
      return reply
        .type("video/mp4")
        .header("content-length", mp4.bytes)
        .header("content-disposition", downloadDisposition({ id: c.id, name: c.name }, plan.start, g.to))
        .header("cache-control", "private, no-store")
        .send(body);
    },
  );
}

export const playbackRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const mediaRoot = path.join(resolveDataDir(deps.config), "media");
  const ctx: Ctx = {
    deps,
    cameras: new CameraRepository(deps.db),
    chunks: new RecordingRepository(deps.db),
    repo: new PlaybackRepository(deps.db),
    audit: new AuditRepository(deps.db),
    mediaRoot,
    recRoot: path.join(mediaRoot, "rec"),
    busy: { downloads: 0 },
  };
  dayRoute(app, ctx);
  linksRoute(app, ctx);
  playlistRoute(app, ctx);
  chunkRoute(app, ctx);
  downloadRoute(app, ctx);
};
