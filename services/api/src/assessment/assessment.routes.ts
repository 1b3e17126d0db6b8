/**
 * The year-end assessment (年终考核): `GET /api/assessment/:year` (the figures, JSON) and
 * `GET /api/assessment/:year/workbook.xlsx` (the same as an Excel workbook, streamed; audited as an export).
 * Scope as the dashboard's (`dashboard.read`): the bureau and the brigade every station or one with
 * `stationId`; a station's user its own station and the district (another station's id is a 404).
 */
import { PassThrough } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { AssessmentParams, AssessmentQuery, AssessmentView, ErrorBody, listScope } from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import type { SessionUser } from "../auth/session.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { AssessmentService } from "./assessment.service.js";
import { workbookFileName, writeAssessmentWorkbook } from "./assessment.workbook.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const BUREAU = "章丘区市场监督管理局 食品小作坊远程视频监管";

interface Ctx {
  service: AssessmentService;
  audit: AuditRepository;
}

export const assessmentRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  const ctx: Ctx = { service: new AssessmentService(db), audit: new AuditRepository(db) };
  viewRoute(app, ctx);
  workbookRoute(app, ctx);
};

/** The user's assessment of `year` (checks the reach as the dashboard does). */
function assessmentOf(ctx: Ctx, user: SessionUser, year: number, stationId: number | undefined) {
  can(user, "dashboard.read", "station");
  if (stationId !== undefined) can(user, "dashboard.read", "station", { stationId });
  return ctx.service.view(year, listScope(user, "dashboard.read"), stationId);
}

function viewRoute(app: RouteApp, ctx: Ctx): void {
  app.get(
    "/api/assessment/:year",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["assessment"],
        summary: "The year-end assessment (年终考核): the year's figures per station and for the district",
        params: AssessmentParams,
        querystring: AssessmentQuery,
        response: { 200: AssessmentView, ...errors },
      },
    },
    async (req) => assessmentOf(ctx, currentUser(req), req.params.year, req.query.stationId),
  );
}

function workbookRoute(app: RouteApp, ctx: Ctx): void {
  app.get(
    "/api/assessment/:year/workbook.xlsx",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["assessment"],
        summary: "The year-end assessment as Excel: a summary sheet, then one sheet per station",
        params: AssessmentParams,
        querystring: AssessmentQuery,
        response: { 200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }), ...errors },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const v = await assessmentOf(ctx, user, req.params.year, req.query.stationId);
      const one = v.stations.length === 1 && (user.stationId !== null || req.query.stationId !== undefined);
      await ctx.audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "report.assessment",
        targetType: "station",
        targetId: one ? String(v.stations[0]!.stationId) : "all",
        stationId: one ? v.stations[0]!.stationId : null,
        ip: req.ip,
        detail: { year: v.year, from: v.period.from, to: v.period.to },
      });
      const now = new Date();
      const body = new PassThrough();
      writeAssessmentWorkbook(
        v,
        { title: BUREAU, exportedBy: user.displayName ?? user.username, now },
        body,
      ).then(
        (sheets) => req.log.info({ year: v.year, sheets: sheets.length }, "assessment exported"),
        (err: Error) => {
          req.log.error({ err }, "assessment export failed midway");
          body.destroy(err);
        },
      );
      const name = workbookFileName(v.year, one ? v.stations[0]!.stationName : undefined);
      const ascii = `mingfang-assessment${one ? `-${v.stations[0]!.stationId}` : ""}-${v.year}.xlsx`;
      return reply
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .header(
          "content-disposition",
          `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        )
        .send(body as unknown as Buffer);
    },
  );
}
