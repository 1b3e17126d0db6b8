/**
 * `GET /api/cases/:id/archive`: the case's archive (案卷) as one ZIP, streamed (case-archive.ts). Whoever
 * may read the case may export it (`case.read`: the station's users their station's cases, another
 * station's is a 404; the brigade the cases assigned to it; the bureau all); each export is audited as
 * `case.export`.
 */
import { PassThrough } from "node:stream";
import { CaseIdParams, ErrorBody } from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { currentUser } from "../plugins/auth.plugin.js";
import type { CaseService } from "./case.service.js";
import { writeCaseArchive } from "./case-archive.js";
import { CaseArchiveRepository } from "./case-archive.repository.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export interface ArchiveRouteCtx {
  db: ApiDeps["db"];
  service: CaseService;
  /** DATA_DIR/media. */
  mediaRoot: string;
}

/** The archive's file name: `案卷-2026-mingshui-0007.zip`, and an ASCII one for old clients. */
export function archiveFileNames(code: string): { name: string; ascii: string } {
  const safe = code.replace(/[^A-Za-z0-9._-]/g, "_");
  return { name: `案卷-${code}.zip`, ascii: `case-${safe}.zip` };
}

export function archiveRoute(app: RouteApp, ctx: ArchiveRouteCtx): void {
  const archives = new CaseArchiveRepository();
  const audit = new AuditRepository(ctx.db);
  app.get(
    "/api/cases/:id/archive",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        summary:
          "The case's archive (ZIP): case.html, its alerts' evidence and clips, its photos, manifest.json and SHA256SUMS",
        params: CaseIdParams,
        response: { 200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }), ...errors },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const c = await ctx.service.load(user, req.params.id);
      const [events, alerts, photos] = await Promise.all([
        ctx.service.repo.events(ctx.db, c.id),
        archives.alerts(ctx.db, c.id),
        ctx.service.repo.attachments(ctx.db, c.id),
      ]);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "case.export",
        targetType: "case",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        detail: { code: c.code, alerts: alerts.length, photos: photos.length },
      });
      const body = new PassThrough();
      const started = Date.now();
      writeCaseArchive(
        {
          mediaRoot: ctx.mediaRoot,
          c,
          events,
          alerts,
          photos,
          generatedBy: { id: user.id, username: user.username, displayName: user.displayName },
          now: new Date(),
        },
        body,
      ).then(
        (m) =>
          req.log.info(
            { caseId: c.id, files: m.files.length, missing: m.missing.length, ms: Date.now() - started },
            "case archive exported",
          ),
        (err: Error) => {
          req.log.warn({ caseId: c.id, err: err.message }, "case archive export stopped midway");
          body.destroy(err);
        },
      );
      const { name, ascii } = archiveFileNames(c.code);
      return reply
        .header("content-type", "application/zip")
        .header(
          "content-disposition",
          `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        )
        .header("cache-control", "no-store")
        .header("x-content-type-options", "nosniff")
        .send(body as unknown as Buffer);
    },
  );
}
