/**
 * Every query of the dashboard (`GET /api/dashboard`). Each answers for all the stations at once, grouped
 * by station (never one query per station); the service sums the rows of a selection. Days and working
 * hours are local to Zhangqiu (Asia/Shanghai). A period is given as instants: [start, end).
 */
import type { Db } from "@mingfang/db";
import { type RawBuilder, sql } from "kysely";

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

/** Seconds from UTC to Asia/Shanghai local time (no daylight saving since 1991). */
const CST = 28_800;

/**
 * Working seconds from a camera's reference point to an instant, in closed form: `u` is the instant in
 * seconds since the start of its window 0 (epoch + CST − `off`), `k` the window it falls in (floor(u / 1 day),
 * window k = local day k since 1970-01-01). Working windows are `len` long, one per working day; `cum[i+1]`
 * counts the working days among the first i of a week of windows (window 0 is a Thursday), `cum[8]` the
 * week's. The difference at two instants is the working time between them, with no row per day.
 */
function worked(k: string, u: string, a: string): RawBuilder<number> {
  return sql<number>`((${sql.raw(k)} / 7 * ${sql.raw(a)}.cum[8] + ${sql.raw(a)}.cum[${sql.raw(k)} % 7 + 1]) * ${sql.raw(a)}.len
    + case when ${sql.raw(a)}.cum[${sql.raw(k)} % 7 + 2] > ${sql.raw(a)}.cum[${sql.raw(k)} % 7 + 1]
      then least(${sql.raw(u)} - ${sql.raw(k)} * 86400::float8, ${sql.raw(a)}.len) else 0 end)`;
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

  /**
   * Alerts raised in the period per station, by type and by local day: one pass over the period's alerts
   * (grouped by station, type and day number, plain arithmetic), rolled up both ways.
   */
  async alertCounts(p: Period): Promise<AlertCountRow[]> {
    const r = await sql<AlertCountRow>`
      with base as (
        select a.station_id, a.type, floor((date_part('epoch', a.created_at) + ${CST}) / 86400)::int as dn,
          count(*)::int as n
        from alerts a where a.created_at >= ${p.start} and a.created_at < ${p.end}
        group by 1, 2, 3)
      select station_id, type, null::text as day, sum(n)::int as n from base group by station_id, type
      union all
      select station_id, null, to_char(date '1970-01-01' + dn, 'YYYY-MM-DD'), sum(n)::int from base
      group by station_id, dn`.execute(this.db);
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
      from (select a.station_id, greatest(0, date_part('epoch', a.acknowledged_at - a.created_at)) as s
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
   * history counts in neither); time a camera was disabled on purpose is left out of both. Working hours as in the camera-offline rule (core
   * `domain/working-hours.ts`): `{start, end, days?}` local, an overnight shift belongs to the day it
   * starts, start = end or none recorded = the whole day. `cameraIds` limits the cameras (tests).
   */
  async uptime(p: Period, cameraIds?: number[]): Promise<UptimeRow[]> {
    const r = await sql<UptimeRow>`
      with span as materialized (${this.uptimeSpans(p, cameraIds)}),
      logs as (
        select l.camera_id, l.status, l.at, lead(l.at) over (partition by l.camera_id order by l.at) as next_at
        from span sp0
        cross join lateral (select max(b.at) as a0 from camera_status_log b
                            where b.camera_id = sp0.camera_id and b.at <= ${p.start}) lb
        join camera_status_log l on l.camera_id = sp0.camera_id
          and l.at >= coalesce(lb.a0, '-infinity'::timestamptz) and l.at < ${p.end}
      ), runs as (
        select sp.station_id, sp.off, sp.len, sp.cum, l.status,
          greatest(date_part('epoch', l.at), sp.s) + ${CST} - sp.off as us,
          least(coalesce(date_part('epoch', l.next_at), sp.e), sp.e) + ${CST} - sp.off as ue
        from logs l join span sp on sp.camera_id = l.camera_id
        where l.status in ('online', 'disabled')
      ), online as (
        select ru.station_id,
          sum(${worked("ru.ke", "ru.ue", "ru")} - ${worked("ru.ks", "ru.us", "ru")}) filter (where ru.status = 'online') as secs,
          sum(${worked("ru.ke", "ru.ue", "ru")} - ${worked("ru.ks", "ru.us", "ru")}) filter (where ru.status = 'disabled') as disabled_secs
        from (select r.*, floor(r.us / 86400)::int as ks, floor(r.ue / 86400)::int as ke
              from runs r where r.ue > r.us) ru
        group by ru.station_id
      ), working as (
        select sp.station_id, sum(${worked("sp.ke", "sp.ue", "sp")} - ${worked("sp.ks", "sp.us", "sp")}) as secs
        from (select x.*, x.s + ${CST} - x.off as us, x.e + ${CST} - x.off as ue,
                floor((x.s + ${CST} - x.off) / 86400)::int as ks,
                floor((x.e + ${CST} - x.off) / 86400)::int as ke from span x) sp
        group by sp.station_id
      )
      select wk.station_id, coalesce(o.secs, 0)::float8 as online_seconds,
        (wk.secs - coalesce(o.disabled_secs, 0))::float8 as working_seconds
      from working wk left join online o on o.station_id = wk.station_id
      order by wk.station_id`.execute(this.db);
    return r.rows;
  }

  /** Each camera with history: its observed span [s, e) in epoch seconds and its working window shape. */
  private uptimeSpans(p: Period, cameraIds?: number[]) {
    const only = cameraIds ? sql`and c.id = any(${cameraIds}::int[])` : sql``;
    return sql`
      select c.id as camera_id, w.station_id,
        date_part('epoch', greatest(${p.start}::timestamptz, f.first_at)) as s,
        date_part('epoch', ${p.end}::timestamptz) as e,
        case when h.st is null or h.st = h.en then 0 else h.st end as off,
        case when h.st is null or h.st = h.en then 86400 when h.en > h.st then h.en - h.st
             else h.en + 86400 - h.st end as len,
        array(select (select count(distinct (case when x::int = 0 then 7 else x::int end))
                      from jsonb_array_elements_text(coalesce(w.working_hours->'days', '[1,2,3,4,5,6,7]'::jsonb)) x
                      where ((case when x::int = 0 then 7 else x::int end) + 3) % 7 < i)::int
              from generate_series(0, 7) i order by i) as cum
      from cameras c join workshops w on w.id = c.workshop_id
      cross join lateral (select min(l.at) as first_at from camera_status_log l where l.camera_id = c.id) f
      cross join lateral (select date_part('epoch', (w.working_hours->>'start')::time) as st,
                                 date_part('epoch', (w.working_hours->>'end')::time) as en) h
      where f.first_at is not null and greatest(${p.start}::timestamptz, f.first_at) < ${p.end} ${only}`;
  }
}
