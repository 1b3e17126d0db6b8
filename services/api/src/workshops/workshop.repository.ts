import type { ListScope, WorkshopListQuery } from "@mingfang/core";
import type { Database, Db, NewWorkshop, WorkshopUpdate } from "@mingfang/db";
import { type SelectQueryBuilder, sql } from "kysely";
import { notFound } from "../errors.js";

export function applyStationScope<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  column: string,
  scope: ListScope,
): SelectQueryBuilder<DB, TB, O> {
  if (scope.kind === "stations") return q.where(sql.ref(column), "in", scope.ids) as typeof q;
  if (scope.kind === "none" || scope.kind === "brigade") return q.where(sql<boolean>`false`) as typeof q;
  return q;
}

export class WorkshopRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db
      .selectFrom("workshops as w")
      .innerJoin("stations as s", "s.id", "w.station_id")
      .selectAll("w")
      .select("s.name as station_name")
      .select((eb) =>
        eb
          .selectFrom("cameras as c")
          .whereRef("c.workshop_id", "=", "w.id")
          .select(eb.fn.countAll<string>().as("n"))
          .as("camera_count"),
      );
  }

  async list(f: WorkshopListQuery, scope: ListScope) {
    let q = this.db.selectFrom("workshops as w");
    q = applyStationScope(q, "w.station_id", scope);
    if (f.stationId !== undefined) q = q.where("w.station_id", "=", f.stationId);
    if (f.pilot !== undefined) q = q.where("w.pilot", "=", f.pilot);
    if (f.demoSite !== undefined) q = q.where("w.demo_site", "=", f.demoSite);
    if (f.coldChain !== undefined) q = q.where("w.cold_chain", "=", f.coldChain);
    if (f.riskLevel !== undefined) q = q.where("w.risk_level", "=", f.riskLevel);
    if (f.category !== undefined) q = q.where("w.category", "=", f.category);
    if (f.q)
      q = q.where((eb) =>
        eb.or([
          eb("w.name", "ilike", `%${escapeLike(f.q!)}%`),
          eb("w.licence_no", "ilike", `%${escapeLike(f.q!)}%`),
        ]),
      );
    const { total } = await q.select(({ fn }) => fn.countAll<string>().as("total")).executeTakeFirstOrThrow();
    const ids = (
      await q
        .select("w.id")
        .orderBy("w.station_id")
        .orderBy("w.id")
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize)
        .execute()
    ).map((r) => r.id);
    const items = ids.length
      ? await this.base().where("w.id", "in", ids).orderBy("w.station_id").orderBy("w.id").execute()
      : [];
    return { items, total: Number(total) };
  }

  find(id: number) {
    return this.base().where("w.id", "=", id).executeTakeFirst();
  }

  /** The workshop with its station name and camera count, or a 404 `workshop not found`. */
  async findOrThrow(id: number) {
    const w = await this.find(id);
    if (!w) throw notFound("workshop");
    return w;
  }

  async stationOf(id: number): Promise<number | undefined> {
    const r = await this.db
      .selectFrom("workshops")
      .select("station_id")
      .where("id", "=", id)
      .executeTakeFirst();
    return r?.station_id;
  }

  async create(w: NewWorkshop): Promise<number> {
    const r = await this.db.insertInto("workshops").values(w).returning("id").executeTakeFirstOrThrow();
    return r.id;
  }

  async update(id: number, patch: WorkshopUpdate): Promise<void> {
    await this.db
      .updateTable("workshops")
      .set({ ...patch, updated_at: new Date() })
      .where("id", "=", id)
      .execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom("workshops").where("id", "=", id).execute();
  }
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type { Database };
