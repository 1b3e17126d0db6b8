/**
 * Every query of the dashboard (`GET /api/dashboard`). Each answers for all the stations at once, grouped
 * by station (never one query per station); the service sums the rows of a selection. Days and working
 * hours are local to Zhangqiu (Asia/Shanghai). A period is given as instants: [start, end).
 */
import type { Db } from "@mingfang/db";
import { type RawBuilder, sql } from "kysely";

const TZ = "Asia/Shanghai";

export interface StationRow {
  id: number;
  name: string;
  target_demo: number;
  target_upgraded: number;
  target_pilots: number;
  target_activities: number;
  demo: number;
  upgraded: number;
  pilots: number;
  activities: number;
  cameras: number;
  high: number;
  medium: number;
  low: number;
}

export interface AlertCountRow {
  station_id: number;
  /** Set on the rows by type; null on the rows by day. */
  type: string | null;
  /** YYYY-MM-DD on the rows by day; null on the rows by type. */
  day: string | null;
  n: number;
}

export interface AckRow {
  district_median: number | null;
  district_p90: number | null;
  station_median: number | null;
  station_p90: number | null;
}

export interface CaseRow {
  station_id: number;
  opened: number;
  closed: number;
  overdue: number;
}

export interface UptimeRow {
  station_id: number;
  online_seconds: number;
  working_seconds: number;
}

export interface Period {
  start: Date;
  end: Date;
}

/**
 * Seconds of the working hours of `wh` (a workshops.working_hours jsonb) inside [s, e): one working window
 * per local day (from the day before `s`, for an overnight shift), honouring `days`; no hours recorded =
 * the whole day, as in the camera-offline rule (core `domain/working-hours.ts`).
 */
function workingSecondsIn(s: RawBuilder<unknown>, e: RawBuilder<unknown>, wh: RawBuilder<unknown>) {
  return sql<number>`(select coalesce(sum(greatest(0, extract(epoch from least(${e}, x.we) - greatest(${s}, x.ws)))), 0)
    from generate_series(((${s} at time zone ${TZ})::date - 1)::timestamp,
                         (${e} at time zone ${TZ})::date::timestamp, interval '1 day') g(d)
    cross join lateral (select (${wh}->>'start')::time as st, (${wh}->>'end')::time as en) h
    cross join lateral (select
      case when ${wh} is null or h.st = h.en then g.d else g.d + h.st end at time zone ${TZ} as ws,
      case when ${wh} is null or h.st = h.en then g.d + interval '1 day'
           when h.en > h.st then g.d + h.en else g.d + h.en + interval '1 day' end at time zone ${TZ} as we) x
    where ${wh} is null or ${wh}->'days' is null
       or ${wh}->'days' @> to_jsonb(extract(isodow from g.d)::int)
       or (extract(isodow from g.d) = 7 and ${wh}->'days' @> '0'::jsonb))`;
}

export class DashboardRepository {
  constructor(private readonly db: Db) {}

  /** Each station (Annex 1's order) with its targets, achievements now, workshops by risk and cameras. */
  async stations(): Promise<StationRow[]> {
    const r = await sql<StationRow>`
      select s.id, s.name,
        s.target_demonstration_workshops as target_demo, s.target_upgraded_to_enterprises as target_upgraded,
        s.target_video_supervision_pilots as target_pilots,
        s.target_industry_association_activities as target_activities,
        coalesce(w.demo, 0)::int as demo, coalesce(w.upgraded, 0)::int as upgraded,
        coalesce(w.pilots, 0)::int as pilots, coalesce(a.n, 0)::int as activities,
        coalesce(c.n, 0)::int as cameras,
        coalesce(w.high, 0)::int as high, coalesce(w.medium, 0)::int as medium, coalesce(w.low, 0)::int as low
      from stations s
      left join (
        select w.station_id,
          count(*) filter (where w.demonstration_level is not null) as demo,
          count(*) filter (where w.upgraded_on is not null) as upgraded,
          count(*) filter (where w.pilot and exists (
            select 1 from cameras c where c.workshop_id = w.id and c.enabled)) as pilots,
          count(*) filter (where w.risk_level = 'high') as high,
          count(*) filter (where w.risk_level = 'medium') as medium,
          count(*) filter (where w.risk_level = 'low') as low
        from workshops w group by w.station_id) w on w.station_id = s.id
      left join (select station_id, count(*) as n from association_activities group by station_id) a
        on a.station_id = s.id
      left join (select w.station_id, count(*) as n from cameras c join workshops w on w.id = c.workshop_id
        group by w.station_id) c on c.station_id = s.id
      order by s.id`.execute(this.db);
    return r.rows;
  }

  /** Every camera with its station and whether it is enabled (for the live statuses in Redis). */
  cameras(): Promise<{ id: number; enabled: boolean; station_id: number }[]> {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.enabled", "w.station_id"])
      .orderBy("c.id")
      .execute();
  }

  /** Alerts raised in the period per station, by type and by local day, in one scan (grouping sets). */
  async alertCounts(p: Period): Promise<AlertCountRow[]> {
    const r = await sql<AlertCountRow>`
      select station_id, type, day, count(*)::int as n
      from (select a.station_id, a.type, ((a.created_at at time zone ${TZ})::date)::text as day
            from alerts a where a.created_at >= ${p.start} and a.created_at < ${p.end}) x
      group by grouping sets ((station_id, type), (station_id, day))`.execute(this.db);
    return r.rows;
  }

  /** Median and p90 seconds from alert to acknowledgement, district-wide and for one station. */
  async ackSeconds(p: Period, stationId: number | null): Promise<AckRow> {
    const r = await sql<AckRow>`
      select
        percentile_cont(0.5) within group (order by x.s) as district_median,
        percentile_cont(0.9) within group (order by x.s) as district_p90,
        percentile_cont(0.5) within group (order by x.s) filter (where x.station_id = ${stationId}) as station_median,
        percentile_cont(0.9) within group (order by x.s) filter (where x.station_id = ${stationId}) as station_p90
      from (select a.station_id, greatest(0, extract(epoch from a.acknowledged_at - a.created_at))::float8 as s
            from alerts a
            where a.created_at >= ${p.start} and a.created_at < ${p.end} and a.acknowledged_at is not null) x`.execute(
      this.db,
    );
    return r.rows[0]!;
  }

  /** Per station: cases opened in the period, those of them closed, and the cases open past their deadline. */
  async caseCounts(p: Period, now: Date): Promise<CaseRow[]> {
    const r = await sql<CaseRow>`
      select station_id,
        count(*) filter (where created_at >= ${p.start} and created_at < ${p.end})::int as opened,
        count(*) filter (where created_at >= ${p.start} and created_at < ${p.end} and state = 'closed')::int as closed,
        count(*) filter (where state <> 'closed' and deadline < ${now})::int as overdue
      from cases group by station_id`.execute(this.db);
    return r.rows;
  }

  /**
   * Per station: seconds its cameras were online within their workshops' working hours in [start, end),
   * and the working seconds there, each camera counted from its first status row (a camera without
   * history counts in neither). `cameraIds` limits the cameras (tests).
   */
  async uptime(p: Period, cameraIds?: number[]): Promise<UptimeRow[]> {
    const only = cameraIds ? sql`and c.id = any(${cameraIds}::int[])` : sql``;
    const r = await sql<UptimeRow>`
      with span as (
        select c.id as camera_id, w.station_id, w.working_hours as wh,
          greatest(${p.start}::timestamptz, f.first_at) as s, ${p.end}::timestamptz as e
        from cameras c join workshops w on w.id = c.workshop_id
        cross join lateral (select min(l.at) as first_at from camera_status_log l where l.camera_id = c.id) f
        where f.first_at is not null and greatest(${p.start}::timestamptz, f.first_at) < ${p.end} ${only}
      ), runs as (
        select sp.camera_id, r.status, greatest(r.at, sp.s) as s,
          least(coalesce(lead(r.at) over (partition by sp.camera_id order by r.at), sp.e), sp.e) as e
        from span sp
        cross join lateral (
          (select l.status, l.at from camera_status_log l
           where l.camera_id = sp.camera_id and l.at <= sp.s order by l.at desc limit 1)
          union all
          (select l.status, l.at from camera_status_log l
           where l.camera_id = sp.camera_id and l.at > sp.s and l.at < sp.e)) r
      ), online as (
        select sp.station_id, ${workingSecondsIn(sql`ru.s`, sql`ru.e`, sql`sp.wh`)} as secs
        from runs ru join span sp on sp.camera_id = ru.camera_id
        where ru.status = 'online' and ru.e > ru.s
      ), working as (
        select sp.station_id, ${workingSecondsIn(sql`sp.s`, sql`sp.e`, sql`sp.wh`)} as secs from span sp
      )
      select wk.station_id, coalesce(o.secs, 0)::float8 as online_seconds, wk.secs::float8 as working_seconds
      from (select station_id, sum(secs) as secs from working group by station_id) wk
      left join (select station_id, sum(secs) as secs from online group by station_id) o
        on o.station_id = wk.station_id`.execute(this.db);
    return r.rows;
  }
}
