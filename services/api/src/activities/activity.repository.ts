/**
 * The only code that queries association activities (协会活动) and their photos. Every method takes the
 * connection or the transaction it runs in.
 */
import type { ActivityListQuery, ListScope } from "@mingfang/core";
import type { Database } from "@mingfang/db";
import type { Insertable, Kysely, Selectable, Transaction, Updateable } from "kysely";
import { applyStationScope } from "../workshops/workshop.repository.js";

export type Exec = Kysely<Database> | Transaction<Database>;

function base(db: Exec) {
  return db
    .selectFrom("association_activities as a")
    .innerJoin("stations as s", "s.id", "a.station_id")
    .selectAll("a")
    .select("s.name as station_name");
}

export type ActivityRow = Awaited<ReturnType<ReturnType<typeof base>["executeTakeFirstOrThrow"]>>;
export type PhotoRow = Selectable<Database["activity_photos"]>;

export class ActivityRepository {
  async list(db: Exec, f: ActivityListQuery, scope: ListScope) {
    let q = applyStationScope(db.selectFrom("association_activities as a"), "a.station_id", scope);
    if (f.stationId !== undefined) q = q.where("a.station_id", "=", f.stationId);
    if (f.from !== undefined) q = q.where("a.held_on", ">=", f.from);
    if (f.to !== undefined) q = q.where("a.held_on", "<=", f.to);
    const { total } = await q.select(({ fn }) => fn.countAll<string>().as("total")).executeTakeFirstOrThrow();
    const ids = (
      await q
        .select("a.id")
        .orderBy("a.held_on", "desc")
        .orderBy("a.id", "desc")
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize)
        .execute()
    ).map((r) => r.id);
    const items = ids.length
      ? await base(db).where("a.id", "in", ids).orderBy("a.held_on", "desc").orderBy("a.id", "desc").execute()
      : [];
    return { items, total: Number(total) };
  }

  /** The activity with its station's name; `forUpdate` locks it inside a transaction. */
  find(db: Exec, id: number, forUpdate = false): Promise<ActivityRow | undefined> {
    let q = base(db).where("a.id", "=", id);
    if (forUpdate) q = q.forUpdate("a");
    return q.executeTakeFirst();
  }

  async create(db: Exec, a: Insertable<Database["association_activities"]>): Promise<number> {
    const r = await db
      .insertInto("association_activities")
      .values(a)
      .returning("id")
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async update(db: Exec, id: number, patch: Updateable<Database["association_activities"]>): Promise<void> {
    await db
      .updateTable("association_activities")
      .set({ ...patch, updated_at: new Date() })
      .where("id", "=", id)
      .execute();
  }

  async delete(db: Exec, id: number): Promise<void> {
    await db.deleteFrom("association_activities").where("id", "=", id).execute();
  }

  /** The photos of these activities, oldest first. */
  photos(db: Exec, activityIds: number[]) {
    if (activityIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom("activity_photos")
      .selectAll()
      .where("activity_id", "in", activityIds)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  findPhoto(db: Exec, activityId: number, photoId: string) {
    return db
      .selectFrom("activity_photos")
      .selectAll()
      .where("activity_id", "=", activityId)
      .where("id", "=", photoId)
      .executeTakeFirst();
  }

  async insertPhoto(db: Exec, p: Insertable<Database["activity_photos"]>): Promise<void> {
    await db.insertInto("activity_photos").values(p).execute();
  }

  async deletePhoto(db: Exec, photoId: string): Promise<void> {
    await db.deleteFrom("activity_photos").where("id", "=", photoId).execute();
  }

  /** How many photo rows still point at this file (the same bytes uploaded twice share one file). */
  async pathUses(db: Exec, rel: string): Promise<number> {
    const r = await db
      .selectFrom("activity_photos")
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .where("path", "=", rel)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
