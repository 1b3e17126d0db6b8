/**
 * What the year-end assessment needs beyond the dashboard's queries (which it reuses through
 * `DashboardService` / `DashboardRepository`): the time to acknowledge per station (the dashboard computes
 * it for the district and one station), and the outcomes of the closed cases. Each query answers for every
 * station at once, grouped by station. A period is given as instants: [start, end).
 */
import type { Db } from "@mingfang/db";
import { sql } from "kysely";
import type { Period } from "../dashboard/dashboard.repository.js";

export interface StationAckRow {
  station_id: number;
  median: number | null;
  p90: number | null;
}

export interface OutcomeRow {
  station_id: number;
  outcome: string;
  n: number;
}

export class AssessmentRepository {
  constructor(private readonly db: Db) {}

  /** Median and p90 seconds from alert to acknowledgement per station, over the period's acknowledged alerts. */
  async ackByStation(p: Period): Promise<StationAckRow[]> {
    const r = await sql<StationAckRow>`
      select a.station_id,
        percentile_cont(0.5) within group (order by greatest(0, date_part('epoch', a.acknowledged_at - a.created_at))) as median,
        percentile_cont(0.9) within group (order by greatest(0, date_part('epoch', a.acknowledged_at - a.created_at))) as p90
      from alerts a
      where a.created_at >= ${p.start} and a.created_at < ${p.end} and a.acknowledged_at is not null
      group by a.station_id`.execute(this.db);
    return r.rows;
  }

  /** Per station and outcome: the cases opened in the period and closed now (as the dashboard's `closed`). */
  async caseOutcomes(p: Period): Promise<OutcomeRow[]> {
    const r = await sql<OutcomeRow>`
      select station_id, coalesce(outcome, 'unknown') as outcome, count(*)::int as n
      from cases
      where created_at >= ${p.start} and created_at < ${p.end} and state = 'closed'
      group by station_id, outcome`.execute(this.db);
    return r.rows;
  }

  /** The station's id by its id or its code (the CLI's `--station`); undefined when there is none. */
  async stationId(idOrCode: string): Promise<number | undefined> {
    const id = /^\d+$/.test(idOrCode) ? Number(idOrCode) : -1;
    const row = await this.db
      .selectFrom("stations")
      .select("id")
      .where((eb) => eb.or([eb("id", "=", id), eb("code", "=", idOrCode)]))
      .executeTakeFirst();
    return row?.id;
  }
}
