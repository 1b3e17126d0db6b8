/**
 * The dashboard's rules: the period (defaults, limits), the selection the user may see, and the figures of
 * a selection summed from the repository's per-station rows. The queries run in parallel, each over every
 * station at once; the statuses of the cameras live now come from Redis in one MGET.
 */
import {
  type DashboardQuery,
  type DashboardSummary,
  type DashboardView,
  type ListScope,
  type PlanTargets,
  REDIS_KEYS,
  type Redis,
  type StationFigures,
} from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { badRequest, notFound } from "../errors.js";
import { cameraStatusOf } from "../live/camera-status.js";
import {
  type AckRow,
  type AlertCountRow,
  type CaseRow,
  DashboardRepository,
  type Period,
  type StationRow,
  type UptimeRow,
} from "./dashboard.repository.js";

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3600_000;
/** The longest period: a leap year. */
export const MAX_PERIOD_DAYS = 366;

/** The local (Asia/Shanghai) calendar day of an instant, YYYY-MM-DD. */
export const localDay = (t: Date): string => new Date(t.getTime() + CST_MS).toISOString().slice(0, 10);
/** The instant a local day begins. */
export const dayStart = (day: string): Date => new Date(Date.parse(`${day}T00:00:00Z`) - CST_MS);

export interface ResolvedPeriod extends Period {
  from: string;
  to: string;
  days: string[];
}

/** The period of a query: `to` defaults to today, `from` to 1 January of `to`'s year; 1 to 366 days. */
export function resolvePeriod(q: Pick<DashboardQuery, "from" | "to">, now: Date): ResolvedPeriod {
  const to = q.to ?? localDay(now);
  const from = q.from ?? `${to.slice(0, 4)}-01-01`;
  const start = dayStart(from);
  const end = new Date(dayStart(to).getTime() + DAY_MS);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw badRequest("from", "query: not a day");
  if (end <= start) throw badRequest("to", "query: 'to' is before 'from'");
  const n = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  if (n > MAX_PERIOD_DAYS)
    throw badRequest("to", `query: the period is ${n} days, at most ${MAX_PERIOD_DAYS}`);
  const days = Array.from(
    { length: n },
    (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * DAY_MS),
  ).map((d) => d.toISOString().slice(0, 10));
  return { from, to, start, end, days };
}

interface Facts {
  stations: StationRow[];
  live: Map<number, number>;
  alerts: AlertCountRow[];
  ack: AckRow;
  cases: Map<number, CaseRow>;
  uptime: Map<number, UptimeRow>;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? Math.min(1, Math.max(0, a / b)) : null);
const sum = <T>(xs: T[], f: (x: T) => number): number => xs.reduce((n, x) => n + f(x), 0);

function targetsOf(rows: StationRow[]): PlanTargets {
  const t = (target: keyof StationRow, achieved: keyof StationRow) => ({
    target: sum(rows, (r) => Number(r[target])),
    achieved: sum(rows, (r) => Number(r[achieved])),
  });
  return {
    demonstrationWorkshops: t("target_demo", "demo"),
    upgradedToEnterprises: t("target_upgraded", "upgraded"),
    videoSupervisionPilots: t("target_pilots", "pilots"),
    industryAssociationActivities: t("target_activities", "activities"),
  };
}

function uptimeOf(f: Facts, ids: number[]): number | null {
  const rows = ids.map((id) => f.uptime.get(id)).filter((r): r is UptimeRow => r !== undefined);
  return ratio(
    sum(rows, (r) => Number(r.online_seconds)),
    sum(rows, (r) => Number(r.working_seconds)),
  );
}

function stationFigures(f: Facts, r: StationRow, alerts: number): StationFigures {
  const c = f.cases.get(r.id);
  return {
    stationId: r.id,
    stationName: r.name,
    targets: targetsOf([r]),
    camerasTotal: r.cameras,
    camerasLive: f.live.get(r.id) ?? 0,
    uptime: uptimeOf(f, [r.id]),
    alerts,
    casesOpened: c?.opened ?? 0,
    casesClosed: c?.closed ?? 0,
    casesOverdue: c?.overdue ?? 0,
  };
}

/** The figures of the stations `rows` (one station, or all of them: the district). */
function summaryOf(
  f: Facts,
  rows: StationRow[],
  days: string[],
  ack: [number | null, number | null],
): DashboardSummary {
  const ids = new Set(rows.map((r) => r.id));
  const byType = new Map<string, number>();
  const byDay = new Map<string, number>(days.map((d) => [d, 0]));
  for (const a of f.alerts) {
    if (!ids.has(a.station_id)) continue;
    if (a.type !== null) byType.set(a.type, (byType.get(a.type) ?? 0) + a.n);
    else if (a.day !== null && byDay.has(a.day)) byDay.set(a.day, byDay.get(a.day)! + a.n);
  }
  const cases = [...ids].map((id) => f.cases.get(id)).filter((c): c is CaseRow => c !== undefined);
  const opened = sum(cases, (c) => c.opened);
  const closed = sum(cases, (c) => c.closed);
  return {
    targets: targetsOf(rows),
    cameras: {
      total: sum(rows, (r) => r.cameras),
      live: sum(rows, (r) => f.live.get(r.id) ?? 0),
      uptime: uptimeOf(f, [...ids]),
    },
    alerts: {
      total: sum([...byType.values()], (n) => n),
      byType: [...byType]
        .map(([type, count]) => ({ type, count }))
        .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
      byDay: [...byDay].map(([day, count]) => ({ day, count })),
      ackMedianSeconds: ack[0],
      ackP90Seconds: ack[1],
    },
    cases: { opened, closed, overdue: sum(cases, (c) => c.overdue), closureRate: ratio(closed, opened) },
    workshopsByRisk: {
      high: sum(rows, (r) => r.high),
      medium: sum(rows, (r) => r.medium),
      low: sum(rows, (r) => r.low),
    },
  };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export class DashboardService {
  private readonly repo: DashboardRepository;

  /**
   * `redis` null: no live statuses (every camera counts as not live now), for a caller whose figures are
   * about a past period and that runs without Redis (the year-end assessment, its CLI command).
   */
  constructor(
    db: Db,
    private readonly redis: Redis | null,
  ) {
    this.repo = new DashboardRepository(db);
  }

  /** Cameras online now per station, from the ingest's reports in Redis. */
  private async liveByStation(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (!this.redis) return out;
    const cams = await this.repo.cameras();
    if (cams.length === 0) return out;
    const raw = await this.redis.mget(...cams.map((c) => REDIS_KEYS.cameraStatus(c.id)));
    const now = new Date();
    cams.forEach((c, i) => {
      if (cameraStatusOf(c, raw[i], now).status === "online")
        out.set(c.station_id, (out.get(c.station_id) ?? 0) + 1);
    });
    return out;
  }

  private async facts(p: ResolvedPeriod, stationId: number | null, now: Date): Promise<Facts> {
    const observed = { start: p.start, end: new Date(Math.min(p.end.getTime(), now.getTime())) };
    const [stations, live, alerts, ack, cases, uptime] = await Promise.all([
      this.repo.stations(),
      this.liveByStation(),
      this.repo.alertCounts(p),
      this.repo.ackSeconds(p, stationId),
      this.repo.caseCounts(p, now),
      observed.end > observed.start ? this.repo.uptime(observed) : Promise.resolve([]),
    ]);
    return {
      stations,
      live,
      alerts,
      ack,
      cases: new Map(cases.map((c) => [c.station_id, c])),
      uptime: new Map(uptime.map((u) => [u.station_id, u])),
    };
  }

  /**
   * The dashboard for a user whose reach is `scope` (all stations, or its own). `stationId`: the station
   * the summary is of (already authorized by the route); default the user's own station, or the district.
   */
  async view(q: DashboardQuery, scope: ListScope, now = new Date()): Promise<DashboardView> {
    const p = resolvePeriod(q, now);
    const own = scope.kind === "stations" ? (scope.ids[0] ?? null) : null;
    const stationId = q.stationId ?? own;
    const f = await this.facts(p, stationId, now);
    const selected = stationId === null ? null : f.stations.find((s) => s.id === stationId);
    if (selected === undefined) throw notFound("station");
    const district = summaryOf(f, f.stations, p.days, [num(f.ack.district_median), num(f.ack.district_p90)]);
    const visible = scope.kind === "all" ? f.stations : f.stations.filter((s) => s.id === own);
    const alertsOf = new Map<number, number>();
    for (const a of f.alerts)
      if (a.type !== null) alertsOf.set(a.station_id, (alertsOf.get(a.station_id) ?? 0) + a.n);
    return {
      period: { from: p.from, to: p.to },
      stationId,
      summary:
        selected === null
          ? district
          : summaryOf(f, [selected], p.days, [num(f.ack.station_median), num(f.ack.station_p90)]),
      district: selected === null ? null : district,
      stations: visible.map((s) => stationFigures(f, s, alertsOf.get(s.id) ?? 0)),
      generatedAt: now.toISOString(),
    };
  }
}
