/**
 * The workshop's file (监管档案 / 风险防控台账): GET /api/workshops/:id/file — its alerts and cases over a
 * period, counts per month and per violation type, and its risk score (core `riskScore`, formula in
 * docs/cases.md). The ledger: GET /api/reports/ledger.xlsx?stationId&from&to — every alert and case of
 * the period in an Excel workbook with Chinese headings.
 */
import { PassThrough } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  authorize,
  ErrorBody,
  IdParams,
  LedgerQuery,
  listScope,
  RISK_WINDOW_DAYS,
  type RiskLevel,
  type RiskScore,
  riskScore,
  WorkshopFileQuery,
  WorkshopFileView,
} from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import type { SessionUser } from "../auth/session.repository.js";
import { CaseRepository } from "../cases/case.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { forbidden, notFound } from "../errors.js";
import { can, currentUser, enforce } from "../plugins/auth.plugin.js";
import { writeLedger } from "./ledger.workbook.js";
import { WorkshopFileRepository } from "./workshop-file.repository.js";
import { DAY, type FileRows, type FileWorkshop, period, workshopFileView } from "./workshop-file.views.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

interface FileContext {
  deps: ApiDeps;
  repo: WorkshopFileRepository;
  cases: CaseRepository;
  audit: AuditRepository;
}

export const workshopFileRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const ctx: FileContext = {
    deps,
    repo: new WorkshopFileRepository(deps.db),
    cases: new CaseRepository(),
    audit: new AuditRepository(deps.db),
  };
  workshopFileRoute(app, ctx);
  ledgerRoute(app, ctx);
};

/** The risk score always looks at the last 90 days and every open case, whatever the period. */
async function currentRisk(
  { repo }: FileContext,
  w: FileWorkshop,
  seesAlerts: boolean,
  now: Date,
): Promise<RiskScore> {
  const riskAlerts = seesAlerts
    ? await repo.alertsOf(w.id, new Date(now.getTime() - RISK_WINDOW_DAYS * DAY), now)
    : [];
  const open = await repo.openCasesOf(w.id);
  return riskScore({
    riskLevel: w.risk_level as RiskLevel,
    coldChain: w.cold_chain,
    alerts: riskAlerts.map((a) => ({
      type: a.type,
      grade: a.grade,
      capturedAt: new Date(a.captured_at),
      falsePositive: a.status === "false_positive",
    })),
    cases: open.map((c) => ({
      closed: false,
      overdue: !!c.deadline && new Date(c.deadline).getTime() < now.getTime(),
    })),
    now,
  });
}

/** The alerts and cases of the period the user may see, and the workshop's current risk. */
async function readFileRows(
  ctx: FileContext,
  user: SessionUser,
  w: FileWorkshop,
  { from, to, now }: { from: Date; to: Date; now: Date },
): Promise<FileRows> {
  const { repo, cases, deps } = ctx;
  // The brigade reads workshops district-wide but alerts not at all: its file shows its cases only.
  const seesAlerts = authorize(user, "alert.read", { stationId: w.station_id }) === "allow";
  const alerts = seesAlerts ? await repo.alertsOf(w.id, from, to) : [];
  const caseRows = await repo.casesOf(w.id, from, to, {
    ...listScope(user, "case.read"),
    ...(authorize(user, "case.read", { stationId: w.station_id }) === "allow" ? { kind: "all" } : {}),
  } as ReturnType<typeof listScope>);
  const alertIds = await cases.alertIds(
    deps.db,
    caseRows.map((c) => c.id),
  );
  return { alerts, cases: caseRows, alertIds, risk: await currentRisk(ctx, w, seesAlerts, now) };
}

function workshopFileRoute(app: RouteApp, ctx: FileContext): void {
  app.get(
    "/api/workshops/:id/file",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["workshops"],
        summary: "The workshop's file (监管档案): alerts and cases over time, per month and type, risk score",
        params: IdParams,
        querystring: WorkshopFileQuery,
        response: { 200: WorkshopFileView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const w = await ctx.repo.workshop(req.params.id);
      if (!w) throw notFound("workshop");
      can(user, "workshop.read", "workshop", { stationId: w.station_id });
      const { from, to } = period(req.query.from, req.query.to, 365);
      const now = new Date();
      const rows = await readFileRows(ctx, user, w, { from, to, now });
      return workshopFileView(w, rows, user, { from, to, now });
    },
  );
}

/** The stations the ledger covers: the one asked for, or every station the user may read ("all"). */
function ledgerStations(user: SessionUser, stationId: number | undefined): number[] | "all" {
  if (stationId !== undefined) {
    can(user, "alert.read", "station", { stationId });
    can(user, "case.read", "station", { stationId });
    return [stationId];
  }
  const scope = listScope(user, "alert.read");
  if (scope.kind === "none" || scope.kind === "brigade") throw forbidden();
  return scope.kind === "all" ? "all" : scope.ids;
}

function ledgerRoute(app: RouteApp, { repo, audit }: FileContext): void {
  app.get(
    "/api/reports/ledger.xlsx",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["reports"],
        summary:
          "The alert and case ledger (预警与案件台账) of a period as Excel; one station, or all for the bureau",
        querystring: LedgerQuery,
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const { from, to } = period(req.query.from, req.query.to, 365);
      const stationIds = ledgerStations(user, req.query.stationId);
      enforce(authorize(user, "case.read"), "case");
      const stations = await repo.stations(stationIds);
      if (stationIds !== "all" && stations.length === 0) throw notFound("station");
      const now = new Date();
      const title =
        stationIds === "all"
          ? "章丘区市场监督管理局 食品小作坊远程视频监管"
          : `章丘区市场监督管理局 ${stations[0]!.name} 食品小作坊远程视频监管`;
      // Audited when asked for (the counts are in the file itself).
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "report.ledger",
        targetType: "station",
        targetId: stationIds === "all" ? "all" : stationIds.join(","),
        stationId: stationIds === "all" ? null : (stationIds[0] ?? null),
        ip: req.ip,
        detail: { from: from.toISOString(), to: to.toISOString() },
      });
      // Streamed: pages from the database become zipped rows on the wire as they come.
      const scope = { stationIds, from, to };
      const body = new PassThrough();
      writeLedger(
        { title, from, to, exportedBy: user.displayName ?? user.username, now, stations },
        { alerts: repo.ledgerAlertPages(scope), cases: repo.ledgerCasePages(scope) },
        body,
      ).then(
        (counts) => req.log.info({ ...counts, from, to }, "ledger exported"),
        (err: Error) => {
          // The headers are gone: the client sees a broken download, the log says why.
          req.log.error({ err }, "ledger export failed midway");
          body.destroy(err);
        },
      );
      const name = `ledger-${stationIds === "all" ? "all" : stations[0]!.code}-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.xlsx`;
      return reply
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .header(
          "content-disposition",
          `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(`台账-${name}`)}`,
        )
        .send(body as unknown as Buffer);
    },
  );
}
