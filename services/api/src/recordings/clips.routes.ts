/**
 * Alerts' clips over HTTP: `GET /api/alerts/:id/clip` (the clip's status and a signed, expiring URL, for
 * whoever may read the alert; the URL's issue is audited) and `GET /media/clips/<alert id>.mp4?token=` (the
 * MP4, with byte ranges for players, checked against its SHA-256 on every request; `download=1` saves it).
 */
import { AlertClipView, AlertIdParams, ErrorBody, verifyClipToken } from "@mingfang/core";
import { Type } from "typebox";
import type { AlertRepository } from "../alerts/alert.repository.js";
import type { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { HttpError, notFound } from "../errors.js";
import { sendFileRange } from "../media/file-range.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import type { ClipRow } from "./clip.repository.js";
import type { ClipService } from "./clip.service.js";
import { ClipFileError } from "./clip.store.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export interface ClipRoutesContext {
  deps: ApiDeps;
  service: ClipService;
  alerts: AlertRepository;
  audit: AuditRepository;
}

export function clipRoutes(app: RouteApp, ctx: ClipRoutesContext): void {
  clipViewRoute(app, ctx);
  clipFileRoute(app, ctx);
}

function clipViewRoute(app: RouteApp, { service, alerts, audit }: ClipRoutesContext): void {
  app.get(
    "/api/alerts/:id/clip",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["alerts"],
        summary: "The alert's video clip: status, covered span and a signed, expiring MP4 URL",
        params: AlertIdParams,
        response: { 200: AlertClipView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const a = await alerts.find(req.params.id);
      if (!a) throw notFound("alert");
      can(user, "alert.read", "alert", { stationId: a.station_id });
      const row = await service.repo.find(a.id);
      if (!row) throw new HttpError(404, "not_found", "this alert has no clip");
      const view = service.view(row);
      if (view.url) {
        await audit.record({
          actorId: user.id,
          actorUsername: user.username,
          action: "alert.clip.view",
          targetType: "alert",
          targetId: a.id,
          stationId: a.station_id,
          ip: req.ip,
          detail: { status: row.status, from: view.from, to: view.to, sha256: row.sha256 },
        });
      }
      return view;
    },
  );
}

const ClipFileParams = Type.Object(
  { file: Type.String({ pattern: "^[0-9a-fA-F-]{36}\\.mp4$", maxLength: 40 }) },
  { additionalProperties: false },
);
const ClipFileQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 200 })),
  download: Type.Optional(Type.Union([Type.Literal("1"), Type.Literal("0")])),
});

/** The clip's file once its SHA-256 matched; 410 when gone, 409 when it no longer matches. */
async function checkedFile(service: ClipService, row: ClipRow, log: RouteApp["log"]) {
  if (row.purgedAt) throw new HttpError(410, "clip_purged", "该视频片段已按保存期限删除");
  if (!row.path || (row.status !== "ready" && row.status !== "partial"))
    throw new HttpError(404, "not_found", "this clip has no video");
  try {
    return await service.store.checked(row.path, row.sha256);
  } catch (err) {
    if (err instanceof ClipFileError) {
      log.error({ alertId: row.alertId, code: err.code }, "clip check failed");
      throw err.code === "missing"
        ? new HttpError(410, "clip_missing", "视频片段文件缺失")
        : new HttpError(409, "clip_corrupt", "视频片段文件已损坏（SHA-256 不符）");
    }
    throw err;
  }
}

function clipFileRoute(app: RouteApp, { deps, service, audit }: ClipRoutesContext): void {
  app.get(
    "/media/clips/:file",
    {
      schema: {
        tags: ["alerts"],
        summary: "An alert's clip (MP4, byte ranges), by the signed URL of GET /api/alerts/:id/clip",
        params: ClipFileParams,
        querystring: ClipFileQuery,
      },
    },
    async (req, reply) => {
      const alertId = req.params.file.slice(0, 36).toLowerCase();
      const check = verifyClipToken(deps.keyring.mediaToken, alertId, req.query.token);
      if (check !== "ok") throw new HttpError(403, "media_token_invalid", `clip token ${check}`);
      const row = await service.repo.find(alertId);
      if (!row) throw notFound("clip");
      const { file, size } = await checkedFile(service, row, req.log);
      reply
        .header("content-type", "video/mp4")
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "private, max-age=300")
        .header("x-content-sha256", row.sha256 ?? "");
      if (req.query.download === "1") {
        reply.header("content-disposition", `attachment; filename="alert-${alertId}.mp4"`);
      }
      // A download is audited once: not for a HEAD, nor for each further range the player asks for.
      if (req.query.download === "1" && req.method === "GET" && !req.headers.range) {
        await audit.record({
          actorId: req.user?.id ?? null,
          actorUsername: req.user?.username ?? "signed-link",
          action: "alert.clip.download",
          targetType: "alert",
          targetId: alertId,
          stationId: row.stationId,
          ip: req.ip,
          detail: { bytes: size, sha256: row.sha256 },
        });
      }
      return sendFileRange(reply, file, size, req.headers.range);
    },
  );
}
