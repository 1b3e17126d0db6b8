/** Reads for the workshop's file (监管档案) and the alert and case ledger (台账). Read-only. */
import type { ListScope } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { sql } from "kysely";
import { caseBase } from "../cases/case.repository.js";

export interface LedgerScope {
  /** One station, or every station (the bureau). */
  stationIds: number[] | "all";
  from: Date;
  to: Date;
}

/** The ledger's sort key of a row: station, time (as PostgreSQL's text, microseconds kept), id. */
interface LedgerKey {
  station: number;
  at: string;
  id: string;
}

const keyTuple = (k: LedgerKey) => sql`(${k.station}, ${k.at}::timestamptz, ${k.id}::uuid)`;

/**
 * Keyset pagination on the exact stored key: each page starts after the last row of the one before, so a
 * year of rows never sits in memory at once, and a row arriving meanwhile is neither repeated nor makes
 * another skip (offsets would shift). The time travels as text: a JS Date would drop its microseconds
 * and repeat the row whose key it truncated.
 */
async function* keysetPages<R extends { station_id: number; key_at: string; id: string }>(
  pageSize: number,
  page: (after: LedgerKey | undefined, limit: number) => Promise<R[]>,
): AsyncGenerator<R[]> {
  let after: LedgerKey | undefined;
  for (;;) {
    const rows = await page(after, pageSize);
    if (rows.length) yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1] as R;
    after = { station: last.station_id, at: last.key_at, id: last.id };
  }
}

export class WorkshopFileRepository {
  constructor(private readonly db: Db) {}

  workshop(id: number) {
    return this.db
      .selectFrom("workshops as w")
      .innerJoin("stations as s", "s.id", "w.station_id")
      .selectAll("w")
      .select("s.name as station_name")
      .where("w.id", "=", id)
      .executeTakeFirst();
  }

  /** Alerts of a workshop captured in [from, to), newest first, with the case they belong to. */
  alertsOf(workshopId: number, from: Date, to: Date) {
    return this.db
      .selectFrom("alerts as a")
      .leftJoin("case_alerts as ca", "ca.alert_id", "a.id")
      .select(["a.id", "a.type", "a.grade", "a.status", "a.camera_id", "a.captured_at", "ca.case_id"])
      .where("a.workshop_id", "=", workshopId)
      .where("a.captured_at", ">=", from)
      .where("a.captured_at", "<", to)
      .orderBy("a.captured_at", "desc")
      .execute();
  }

  /** Cases of a workshop opened in [from, to) or still open, newest first. */
  casesOf(workshopId: number, from: Date, to: Date, scope: ListScope) {
    let q = caseBase(this.db)
      .where("c.workshop_id", "=", workshopId)
      .where((eb) =>
        eb.or([
          eb.and([eb("c.created_at", ">=", from), eb("c.created_at", "<", to)]),
          eb("c.state", "<>", "closed"),
        ]),
      );
    if (scope.kind === "brigade") q = q.where("c.assigned_brigade", "=", true);
    if (scope.kind === "none") q = q.where(sql<boolean>`false`);
    return q.orderBy("c.created_at", "desc").execute();
  }

  /** Every open case of a workshop with its running deadline (for the risk score). */
  openCasesOf(workshopId: number) {
    return this.db
      .selectFrom("cases")
      .select(["id", "state", "deadline"])
      .where("workshop_id", "=", workshopId)
      .where("state", "<>", "closed")
      .execute();
  }

  /**
   * Every alert of the period, in ledger order (station, capture time, id), a page at a time (see
   * `keysetPages`).
   */
  ledgerAlertPages(s: LedgerScope, pageSize = 500) {
    return keysetPages(pageSize, (after, limit) => {
      let q = this.db
        .selectFrom("alerts as a")
        .innerJoin("cameras as cam", "cam.id", "a.camera_id")
        .innerJoin("workshops as w", "w.id", "a.workshop_id")
        .innerJoin("stations as s", "s.id", "a.station_id")
        .leftJoin("users as u", "u.id", "a.acknowledged_by")
        .select([
          "a.id",
          "a.captured_at",
          "a.type",
          "a.grade",
          "a.confidence",
          "a.status",
          "a.acknowledged_at",
          "a.ack_note",
          "a.escalated_at",
          "a.station_id",
          "s.name as station_name",
          "w.name as workshop_name",
          "w.licence_no",
          "cam.name as camera_name",
          "cam.area",
          "u.display_name as acknowledged_by_name",
        ])
        // One row per alert even if it is in several cases.
        .select(
          sql<
            string | null
          >`(select string_agg(c.code, ',' order by c.code) from case_alerts ca join cases c on c.id = ca.case_id where ca.alert_id = a.id)`.as(
            "case_code",
          ),
        )
        .select(sql<string>`a.captured_at::text`.as("key_at"))
        .where("a.captured_at", ">=", s.from)
        .where("a.captured_at", "<", s.to);
      if (s.stationIds !== "all")
        q = q.where("a.station_id", "in", s.stationIds.length ? s.stationIds : [-1]);
      if (after) q = q.where(sql<boolean>`(a.station_id, a.captured_at, a.id) > ${keyTuple(after)}`);
      return q.orderBy("a.station_id").orderBy("a.captured_at").orderBy("a.id").limit(limit).execute();
    });
  }

  /** Every case opened in the period, in ledger order (station, opening time, id), a page at a time. */
  ledgerCasePages(s: LedgerScope, pageSize = 500) {
    return keysetPages(pageSize, (after, limit) => {
      let q = caseBase(this.db)
        .leftJoin("workshops as w2", "w2.id", "c.workshop_id")
        .select("w2.licence_no")
        .select((eb) =>
          eb
            .selectFrom("case_alerts as ca")
            .whereRef("ca.case_id", "=", "c.id")
            .select(eb.fn.countAll<string>().as("n"))
            .as("alert_count"),
        )
        .select(sql<string>`c.created_at::text`.as("key_at"))
        .where("c.created_at", ">=", s.from)
        .where("c.created_at", "<", s.to);
      if (s.stationIds !== "all")
        q = q.where("c.station_id", "in", s.stationIds.length ? s.stationIds : [-1]);
      if (after) q = q.where(sql<boolean>`(c.station_id, c.created_at, c.id) > ${keyTuple(after)}`);
      return q.orderBy("c.station_id").orderBy("c.created_at").orderBy("c.id").limit(limit).execute();
    });
  }

  stations(ids: number[] | "all") {
    let q = this.db.selectFrom("stations").select(["id", "name", "code"]).orderBy("id");
    if (ids !== "all") q = q.where("id", "in", ids.length ? ids : [-1]);
    return q.execute();
  }
}
