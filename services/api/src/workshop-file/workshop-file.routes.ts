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
  type CaseState,
  ErrorBody,
  IdParams,
  isOverdue,
  LedgerQuery,
  listScope,
  RISK_WINDOW_DAYS,
  type RiskLevel,
  riskScore,
  violationLabel,
  WorkshopFileQuery,
  WorkshopFileView,
} from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import { CaseRepository } from "../cases/case.repository.js";
import { caseTimes, caseView } from "../cases/case.views.js";
import type { ApiDeps } from "../context.js";
import { badRequest, forbidden, notFound } from "../errors.js";
import { can, currentUser, enforce } from "../plugins/auth.plugin.js";
import { writeLedger } from "./ledger.workbook.js";
import { WorkshopFileRepository } from "./workshop-file.repository.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const DAY = 86_400_000;
const BEIJING_MS = 8 * 3600_000;
const monthOf = (d: Date) => new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 7);
/** The longest period one file or ledger covers. */
const MAX_SPAN_DAYS = 1100;

function period(fromS: string | undefined, toS: string | undefined, defaultDays: number) {
  const to = toS ? new Date(toS) : new Date();
  const from = fromS ? new Date(fromS) : new Date(to.getTime() - defaultDays * DAY);
  if (from.getTime() >= to.getTime()) throw badRequest("from", "querystring: 'from' must be before 'to'");
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY)
    throw badRequest("from", `querystring: a period covers at most ${MAX_SPAN_DAYS} days`);
  return { from, to };
}

/** Every month (YYYY-MM, Beijing time) from `from` to `to`, in order. */
function months(from: Date, to: Date): string[] {
  const out: string[] = [];
  let [y, m] = monthOf(from).split("-").map(Number) as [number, number];
  const last = monthOf(new Date(to.getTime() - 1));
  for (;;) {
    const key = `${y}-${String(m).padStart(2, "0")}`;
    out.push(key);
    if (key >= last || out.length > 60) break;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

export const workshopFileRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  const repo = new WorkshopFileRepository(db);
  const cases = new CaseRepository();
  const audit = new AuditRepository(db);

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
      const w = await repo.workshop(req.params.id);
      if (!w) throw notFound("workshop");
      can(user, "workshop.read", "workshop", { stationId: w.station_id });
      const { from, to } = period(req.query.from, req.query.to, 365);
      const now = new Date();
      // The brigade reads workshops district-wide but alerts not at all: its file shows its cases only.
      const seesAlerts = authorize(user, "alert.read", { stationId: w.station_id }) === "allow";
      const alerts = seesAlerts ? await repo.alertsOf(w.id, from, to) : [];
      const caseRows = await repo.casesOf(w.id, from, to, {
        ...listScope(user, "case.read"),
        ...(authorize(user, "case.read", { stationId: w.station_id }) === "allow" ? { kind: "all" } : {}),
      } as ReturnType<typeof listScope>);
      const alertIds = await cases.alertIds(
        db,
        caseRows.map((c) => c.id),
      );

      // The risk score always looks at the last 90 days and every open case, whatever the period.
      const riskAlerts = seesAlerts
        ? await repo.alertsOf(w.id, new Date(now.getTime() - RISK_WINDOW_DAYS * DAY), now)
        : [];
      const open = await repo.openCasesOf(w.id);
      const risk = riskScore({
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

      const byMonth = new Map(
        months(from, to).map((m) => [m, { month: m, alerts: 0, falsePositives: 0, cases: 0 }]),
      );
      const byType = new Map<
        string,
        { type: string; label: string; alerts: number; falsePositives: number }
      >();
      for (const a of alerts) {
        const fp = a.status === "false_positive";
        const m = byMonth.get(monthOf(new Date(a.captured_at)));
        if (m) {
          m.alerts += 1;
          if (fp) m.falsePositives += 1;
        }
        const t = byType.get(a.type) ?? {
          type: a.type,
          label: violationLabel(a.type),
          alerts: 0,
          falsePositives: 0,
        };
        t.alerts += 1;
        if (fp) t.falsePositives += 1;
        byType.set(a.type, t);
      }
      const inPeriod = caseRows.filter((c) => {
        const t = new Date(c.created_at).getTime();
        return t >= from.getTime() && t < to.getTime();
      });
      for (const c of inPeriod) {
        const m = byMonth.get(monthOf(new Date(c.created_at)));
        if (m) m.cases += 1;
      }
      const views = caseRows.map((c) => caseView(c, alertIds.get(c.id) ?? [], user, now));
      return {
        workshop: {
          id: w.id,
          name: w.name,
          licenceNo: w.licence_no,
          address: w.address,
          category: w.category,
          riskLevel: w.risk_level,
          coldChain: w.cold_chain,
          stationId: w.station_id,
          stationName: w.station_name,
        },
        period: { from: from.toISOString(), to: to.toISOString() },
        risk,
        totals: {
          alerts: alerts.length,
          falsePositives: alerts.filter((a) => a.status === "false_positive").length,
          cases: inPeriod.length,
          openCases: caseRows.filter((c) => c.state !== "closed").length,
          overdueCases: caseRows.filter((c) => isOverdue(caseTimes(c), c.state as CaseState, now)).length,
        },
        byMonth: [...byMonth.values()],
        byType: [...byType.values()].sort((a, b) => b.alerts - a.alerts || a.type.localeCompare(b.type)),
        alerts: alerts.slice(0, 200).map((a) => ({
          id: a.id,
          type: a.type,
          typeLabel: violationLabel(a.type),
          grade: a.grade,
          status: a.status,
          cameraId: a.camera_id,
          capturedAt: new Date(a.captured_at).toISOString(),
          caseId: a.case_id ?? null,
        })),
        cases: views,
      };
    },
  );

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
      let stationIds: number[] | "all";
      if (req.query.stationId !== undefined) {
        can(user, "alert.read", "station", { stationId: req.query.stationId });
        can(user, "case.read", "station", { stationId: req.query.stationId });
        stationIds = [req.query.stationId];
      } else {
        const scope = listScope(user, "alert.read");
        if (scope.kind === "none" || scope.kind === "brigade") throw forbidden();
        stationIds = scope.kind === "all" ? "all" : scope.ids;
      }
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
};
