/**
 * The year-end assessment's rules: the year (2020 … this year; 1 January – 31 December, or up to today for
 * this year), the stations the user may see, and the figures of each station and of the district. The
 * dashboard's figures are reused as they are (`DashboardService.view` over the year for the district and
 * every station's row; `DashboardRepository.alertCounts` for each station's alerts by type and by day);
 * this feature's repository adds only the time to acknowledge per station and the cases' outcomes.
 */
import {
  ASSESSMENT_FIRST_YEAR,
  type AssessmentFigures,
  type AssessmentView,
  type CaseOutcomeCounts,
  type DashboardSummary,
  type ListScope,
  type StationFigures,
} from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { type AlertCountRow, DashboardRepository } from "../dashboard/dashboard.repository.js";
import { DashboardService, localDay, resolvePeriod } from "../dashboard/dashboard.service.js";
import { badRequest, notFound } from "../errors.js";
import { AssessmentRepository, type OutcomeRow, type StationAckRow } from "./assessment.repository.js";

const emptyOutcomes = (): CaseOutcomeCounts => ({
  violation_confirmed: 0,
  false_alarm: 0,
  rectified: 0,
  penalised: 0,
  transferred: 0,
});

/** The months YYYY-MM of the days `days` (in order), each with the alerts of its days. */
function byMonth(days: string[], counts: Map<string, number>): { month: string; count: number }[] {
  const months = new Map<string, number>();
  for (const d of days) {
    const m = d.slice(0, 7);
    months.set(m, (months.get(m) ?? 0) + (counts.get(d) ?? 0));
  }
  return [...months].map(([month, count]) => ({ month, count }));
}

interface StationFacts {
  alerts: AlertCountRow[];
  ack: Map<number, StationAckRow>;
  outcomes: OutcomeRow[];
  days: string[];
}

function outcomesOf(rows: OutcomeRow[], ids: Set<number> | null): CaseOutcomeCounts {
  const out = emptyOutcomes();
  for (const r of rows)
    if ((ids === null || ids.has(r.station_id)) && r.outcome in out)
      out[r.outcome as keyof CaseOutcomeCounts] += r.n;
  return out;
}

/** The district's figures: the dashboard's district summary, its days rolled up by month, the outcomes. */
function districtFigures(s: DashboardSummary, f: StationFacts): AssessmentFigures {
  return {
    targets: s.targets,
    cameras: { total: s.cameras.total, uptime: s.cameras.uptime },
    alerts: {
      total: s.alerts.total,
      byType: s.alerts.byType,
      byMonth: byMonth(f.days, new Map(s.alerts.byDay.map((d) => [d.day, d.count]))),
      ackMedianSeconds: s.alerts.ackMedianSeconds,
      ackP90Seconds: s.alerts.ackP90Seconds,
    },
    cases: { ...s.cases, outcomes: outcomesOf(f.outcomes, null) },
  };
}

/** A station's figures: its dashboard row, its alerts by type and by day, its own ack times and outcomes. */
function stationFigures(row: StationFigures, f: StationFacts): AssessmentFigures {
  const byType = new Map<string, number>();
  const byDay = new Map<string, number>();
  for (const a of f.alerts) {
    if (a.station_id !== row.stationId) continue;
    if (a.type !== null) byType.set(a.type, (byType.get(a.type) ?? 0) + a.n);
    else if (a.day !== null) byDay.set(a.day, (byDay.get(a.day) ?? 0) + a.n);
  }
  const ack = f.ack.get(row.stationId);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    targets: row.targets,
    cameras: { total: row.camerasTotal, uptime: row.uptime },
    alerts: {
      total: row.alerts,
      byType: [...byType]
        .map(([type, count]) => ({ type, count }))
        .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
      byMonth: byMonth(f.days, byDay),
      ackMedianSeconds: num(ack?.median),
      ackP90Seconds: num(ack?.p90),
    },
    cases: {
      opened: row.casesOpened,
      closed: row.casesClosed,
      closureRate: row.casesOpened > 0 ? row.casesClosed / row.casesOpened : null,
      overdue: row.casesOverdue,
      outcomes: outcomesOf(f.outcomes, new Set([row.stationId])),
    },
  };
}

/** The year's period: a past year whole, this year up to today; a year before 2020 or to come is a 400. */
export function yearPeriod(year: number, now: Date): { from: string; to: string; complete: boolean } {
  const today = localDay(now);
  const current = Number(today.slice(0, 4));
  if (!Number.isInteger(year) || year < ASSESSMENT_FIRST_YEAR || year > current)
    throw badRequest("year", `params/year: a year from ${ASSESSMENT_FIRST_YEAR} to ${current}`);
  const complete = year < current;
  return { from: `${year}-01-01`, to: complete ? `${year}-12-31` : today, complete };
}

export class AssessmentService {
  private readonly dashboard: DashboardService;
  private readonly dashboardRepo: DashboardRepository;
  private readonly repo: AssessmentRepository;

  constructor(db: Db) {
    // No live statuses: "cameras live now" is not a figure of a year, and the CLI runs without Redis.
    this.dashboard = new DashboardService(db, null);
    this.dashboardRepo = new DashboardRepository(db);
    this.repo = new AssessmentRepository(db);
  }

  /** The station's id by its id or code (the CLI). */
  stationId(idOrCode: string): Promise<number | undefined> {
    return this.repo.stationId(idOrCode);
  }

  /**
   * The year's assessment for a user whose reach is `scope`: every station (or `stationId` alone) for the
   * bureau and the brigade, the own station for a station's user; the district always. `stationId` is
   * already authorized by the route; one that does not exist is a 404.
   */
  async view(year: number, scope: ListScope, stationId?: number, now = new Date()): Promise<AssessmentView> {
    const y = yearPeriod(year, now);
    const p = resolvePeriod({ from: y.from, to: y.to }, now);
    const [dash, alerts, ack, outcomes] = await Promise.all([
      this.dashboard.view({ from: y.from, to: y.to }, { kind: "all" }, now),
      this.dashboardRepo.alertCounts(p),
      this.repo.ackByStation(p),
      this.repo.caseOutcomes(p),
    ]);
    const facts: StationFacts = {
      alerts,
      ack: new Map(ack.map((a) => [a.station_id, a])),
      outcomes,
      days: p.days,
    };
    const own = scope.kind === "stations" ? (scope.ids[0] ?? null) : null;
    const only = own ?? stationId ?? null;
    const rows = only === null ? dash.stations : dash.stations.filter((s) => s.stationId === only);
    if (rows.length === 0) throw notFound("station");
    return {
      year,
      period: { from: y.from, to: y.to },
      complete: y.complete,
      district: districtFigures(dash.summary, facts),
      stations: rows.map((r) => ({
        stationId: r.stationId,
        stationName: r.stationName,
        figures: stationFigures(r, facts),
      })),
      generatedAt: now.toISOString(),
    };
  }
}
