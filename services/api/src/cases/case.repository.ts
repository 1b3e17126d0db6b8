/**
 * The only code that queries cases, their alerts, events and attachments. Every method takes the
 * executor (the database or the caller's transaction), so the service decides the transaction.
 */
import type { CaseListQuery, ListScope } from "@mingfang/core";
import type { Database } from "@mingfang/db";
import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from "kysely";

export type Exec = Kysely<Database> | Transaction<Database>;

export function caseBase(db: Exec) {
  return db
    .selectFrom("cases as c")
    .innerJoin("stations as s", "s.id", "c.station_id")
    .leftJoin("workshops as w", "w.id", "c.workshop_id")
    .selectAll("c")
    .select(["s.name as station_name", "s.code as station_code", "w.name as workshop_name"]);
}

export type CaseRow = NonNullable<Awaited<ReturnType<ReturnType<typeof caseBase>["executeTakeFirst"]>>>;

/** `cases` rows the scope may read: a station's, the brigade's (assigned), all, or none. */
function scoped<Q extends { where: (...a: never[]) => unknown }>(q: Q, scope: ListScope): Q {
  const qq = q as unknown as ReturnType<typeof caseBase>;
  if (scope.kind === "stations") return qq.where("c.station_id", "in", scope.ids) as unknown as Q;
  if (scope.kind === "brigade") return qq.where("c.assigned_brigade", "=", true) as unknown as Q;
  if (scope.kind === "none") return qq.where(sql<boolean>`false`) as unknown as Q;
  return q;
}

export class CaseRepository {
  find(db: Exec, id: string): Promise<CaseRow | undefined> {
    return caseBase(db).where("c.id", "=", id).executeTakeFirst();
  }

  async list(db: Exec, f: CaseListQuery, scope: ListScope): Promise<{ items: CaseRow[]; total: number }> {
    let q = scoped(caseBase(db), scope);
    if (f.state !== undefined) q = q.where("c.state", "=", f.state);
    if (f.stationId !== undefined) q = q.where("c.station_id", "=", f.stationId);
    if (f.workshopId !== undefined) q = q.where("c.workshop_id", "=", f.workshopId);
    if (f.brigade !== undefined) q = q.where("c.assigned_brigade", "=", f.brigade);
    if (f.open !== undefined) q = q.where("c.state", f.open ? "<>" : "=", "closed");
    if (f.overdue === true) q = q.where(sql<boolean>`c.state <> 'closed' and c.deadline < now()`);
    if (f.overdue === false)
      q = q.where(sql<boolean>`not (c.state <> 'closed' and coalesce(c.deadline < now(), false))`);
    const { total } = await q
      .clearSelect()
      .select(({ fn }) => fn.countAll<string>().as("total"))
      .executeTakeFirstOrThrow();
    const items = await q
      .orderBy("c.created_at", "desc")
      .orderBy("c.id")
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize)
      .execute();
    return { items, total: Number(total) };
  }

  async alertIds(db: Exec, caseIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(caseIds.map((id) => [id, []]));
    if (caseIds.length === 0) return out;
    const rows = await db
      .selectFrom("case_alerts as ca")
      .innerJoin("alerts as a", "a.id", "ca.alert_id")
      .select(["ca.case_id", "ca.alert_id"])
      .where("ca.case_id", "in", caseIds)
      .orderBy("a.captured_at")
      .execute();
    for (const r of rows) out.get(r.case_id)?.push(r.alert_id);
    return out;
  }

  events(db: Exec, caseId: string) {
    return db
      .selectFrom("case_events as e")
      .leftJoin("users as u", "u.id", "e.actor_id")
      .selectAll("e")
      .select("u.display_name as actor_name")
      .where("e.case_id", "=", caseId)
      .orderBy("e.id")
      .execute();
  }

  async addEvent(
    db: Exec,
    e: {
      caseId: string;
      actorId: number | null;
      kind: string;
      fromState?: string | null;
      toState?: string | null;
      note?: string | null;
      data?: Record<string, unknown> | null;
    },
  ): Promise<void> {
    await db
      .insertInto("case_events")
      .values({
        case_id: e.caseId,
        actor_id: e.actorId,
        kind: e.kind,
        from_state: e.fromState ?? null,
        to_state: e.toState ?? null,
        note: e.note ?? null,
        data: e.data ? JSON.stringify(e.data) : null,
      })
      .execute();
  }

  attachments(db: Exec, caseId: string) {
    return db
      .selectFrom("case_attachments")
      .selectAll()
      .where("case_id", "=", caseId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  findAttachment(db: Exec, caseId: string, id: string) {
    return db
      .selectFrom("case_attachments")
      .selectAll()
      .where("case_id", "=", caseId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  async countPhotosSince(db: Exec, caseId: string, kind: string, since: Date | null): Promise<number> {
    let q = db
      .selectFrom("case_attachments")
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .where("case_id", "=", caseId)
      .where("kind", "=", kind);
    if (since) q = q.where("created_at", ">=", since);
    const r = await q.executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Next human-readable number of a station's case in a year: `2026-mingshui-0007`. Call in a transaction. */
  async nextCode(trx: Transaction<Database>, stationId: number, stationCode: string, year: number) {
    await sql`select pg_advisory_xact_lock(7061796, ${stationId}::int)`.execute(trx);
    const prefix = `${year}-${stationCode}-`;
    const r = await trx
      .selectFrom("cases")
      .select(sql<string | null>`max(substr(code, ${prefix.length + 1}::int)::int)`.as("top"))
      .where("station_id", "=", stationId)
      .where("code", "like", `${prefix}%`)
      .executeTakeFirstOrThrow();
    const n = Number(r.top ?? 0) + 1;
    return `${prefix}${String(n).padStart(4, "0")}`;
  }

  /** Row-locks a case until the transaction ends; false when there is none. */
  async lock(trx: Transaction<Database>, id: string): Promise<boolean> {
    const r = await trx.selectFrom("cases").select("id").where("id", "=", id).forUpdate().executeTakeFirst();
    return r !== undefined;
  }

  /** The alerts a case is opened from, row-locked (their state changes in the same transaction). */
  lockAlerts(trx: Transaction<Database>, ids: string[]): Promise<CaseAlertRow[]> {
    return trx
      .selectFrom("alerts")
      .select(["id", "station_id", "workshop_id", "status", "type", "grade"])
      .where("id", "in", ids)
      .forUpdate()
      .execute();
  }

  /** The station of a workshop, or undefined when there is no such workshop. */
  async workshopStation(db: Exec, workshopId: number): Promise<number | undefined> {
    const w = await db
      .selectFrom("workshops")
      .select("station_id")
      .where("id", "=", workshopId)
      .executeTakeFirst();
    return w?.station_id;
  }

  /** The code of a station (it prefixes its case numbers), or undefined when there is no such station. */
  async stationCode(db: Exec, stationId: number): Promise<string | undefined> {
    const s = await db.selectFrom("stations").select(["code"]).where("id", "=", stationId).executeTakeFirst();
    return s?.code;
  }

  async insert(trx: Transaction<Database>, c: Insertable<Database["cases"]>): Promise<void> {
    await trx.insertInto("cases").values(c).execute();
  }

  async linkAlerts(trx: Transaction<Database>, caseId: string, alertIds: string[]): Promise<void> {
    await trx
      .insertInto("case_alerts")
      .values(alertIds.map((alertId) => ({ case_id: caseId, alert_id: alertId })))
      .execute();
  }

  /** Updates a case only if it is still in state `from`; returns whether it did. */
  async updateInState(
    trx: Transaction<Database>,
    id: string,
    from: string,
    set: Updateable<Database["cases"]>,
  ): Promise<boolean> {
    const r = await trx
      .updateTable("cases")
      .set(set)
      .where("id", "=", id)
      .where("state", "=", from)
      .returning("id")
      .execute();
    return r.length === 1;
  }

  async update(trx: Transaction<Database>, id: string, set: Updateable<Database["cases"]>): Promise<void> {
    await trx.updateTable("cases").set(set).where("id", "=", id).execute();
  }

  async insertAttachment(
    trx: Transaction<Database>,
    a: Insertable<Database["case_attachments"]>,
  ): Promise<void> {
    await trx.insertInto("case_attachments").values(a).execute();
  }

  /** Open cases whose deadline has passed, the most overdue first. */
  overdueIds(db: Exec, now: Date, limit: number): Promise<{ id: string }[]> {
    return db
      .selectFrom("cases")
      .select(["id"])
      .where("state", "<>", "closed")
      .where("deadline", "<", now)
      .orderBy("deadline")
      .limit(limit)
      .execute();
  }

  /** A case's deadline and state, row-locked; undefined when another process holds it (SKIP LOCKED). */
  lockDeadline(trx: Transaction<Database>, id: string) {
    return trx
      .selectFrom("cases")
      .select(["id", "deadline", "state"])
      .where("id", "=", id)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
  }

  /** Whether the passing of this deadline (`dueAt`, ISO) is already on the case's timeline. */
  async overdueAnnounced(db: Exec, caseId: string, dueAt: string): Promise<boolean> {
    const seen = await db
      .selectFrom("case_events")
      .select("id")
      .where("case_id", "=", caseId)
      .where("kind", "=", "overdue")
      .where(sql<boolean>`data->>'dueAt' = ${dueAt}`)
      .executeTakeFirst();
    return seen !== undefined;
  }
}

/** What opening a case reads of each of its alerts. */
export interface CaseAlertRow {
  id: string;
  station_id: number;
  workshop_id: number;
  status: string;
  type: string;
  grade: number;
}
