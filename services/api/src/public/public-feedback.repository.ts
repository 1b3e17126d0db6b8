/**
 * The only code that queries citizens' feedback (public_feedback). Every method takes the connection or
 * the transaction it runs in.
 */
import type { ListScope, PublicFeedbackListQuery } from "@mingfang/core";
import type { Database } from "@mingfang/db";
import type { Insertable, Kysely, Transaction, Updateable } from "kysely";
import { applyStationScope } from "../workshops/workshop.repository.js";

export type Exec = Kysely<Database> | Transaction<Database>;

function base(db: Exec) {
  return db
    .selectFrom("public_feedback as f")
    .innerJoin("workshops as w", "w.id", "f.workshop_id")
    .innerJoin("stations as s", "s.id", "f.station_id")
    .leftJoin("users as u", "u.id", "f.handled_by")
    .select([
      "f.id",
      "f.workshop_id",
      "f.station_id",
      "f.kind",
      "f.body",
      "f.contact",
      "f.status",
      "f.reply",
      "f.answered_at",
      "f.closed_at",
      "f.created_at",
      "w.name as workshop_name",
      "s.name as station_name",
      "u.display_name as handled_by_name",
    ]);
}

export type FeedbackRow = Awaited<ReturnType<ReturnType<typeof base>["executeTakeFirstOrThrow"]>>;

export class PublicFeedbackRepository {
  async insert(db: Exec, row: Insertable<Database["public_feedback"]>) {
    return db
      .insertInto("public_feedback")
      .values(row)
      .returning(["id", "created_at"])
      .executeTakeFirstOrThrow();
  }

  async list(db: Exec, f: PublicFeedbackListQuery, scope: ListScope) {
    let q = applyStationScope(db.selectFrom("public_feedback as f"), "f.station_id", scope);
    if (f.stationId !== undefined) q = q.where("f.station_id", "=", f.stationId);
    if (f.status !== undefined) q = q.where("f.status", "=", f.status);
    if (f.kind !== undefined) q = q.where("f.kind", "=", f.kind);
    const { total } = await q.select(({ fn }) => fn.countAll<string>().as("total")).executeTakeFirstOrThrow();
    const ids = (
      await q
        .select("f.id")
        .orderBy("f.created_at", "desc")
        .orderBy("f.id", "desc")
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize)
        .execute()
    ).map((r) => r.id);
    const items = ids.length
      ? await base(db)
          .where("f.id", "in", ids)
          .orderBy("f.created_at", "desc")
          .orderBy("f.id", "desc")
          .execute()
      : [];
    return { items, total: Number(total) };
  }

  /** Open items in the scope: the menu's badge. */
  async countOpen(db: Exec, scope: ListScope): Promise<number> {
    const q = applyStationScope(db.selectFrom("public_feedback as f"), "f.station_id", scope);
    const r = await q
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .where("f.status", "=", "open")
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  find(db: Exec, id: number): Promise<FeedbackRow | undefined> {
    return base(db).where("f.id", "=", id).executeTakeFirst();
  }

  /** The item's station and status, locked for a change. */
  lock(db: Exec, id: number) {
    return db
      .selectFrom("public_feedback")
      .select(["id", "station_id", "workshop_id", "status", "kind"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
  }

  async update(db: Exec, id: number, change: Updateable<Database["public_feedback"]>): Promise<void> {
    await db.updateTable("public_feedback").set(change).where("id", "=", id).execute();
  }
}
