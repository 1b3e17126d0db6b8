import type { ListScope, Role } from "@mingfang/core";
import type { Db, NewUser, User } from "@mingfang/db";

export class UserRepository {
  constructor(private readonly db: Db) {}

  findByUsername(username: string): Promise<User | undefined> {
    return this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
  }

  findById(id: number): Promise<User | undefined> {
    return this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async list(
    f: { stationId?: number; role?: Role; page: number; pageSize: number },
    scope: ListScope = { kind: "all" },
  ): Promise<{ items: User[]; total: number }> {
    let q = this.db.selectFrom("users");
    if (f.stationId !== undefined) q = q.where("station_id", "=", f.stationId);
    if (f.role !== undefined) q = q.where("role", "=", f.role);
    if (scope.kind === "stations") q = q.where("station_id", "in", scope.ids);
    if (scope.kind === "none" || scope.kind === "brigade") q = q.where(({ lit }) => lit(false));
    const { total } = await q.select(({ fn }) => fn.countAll<string>().as("total")).executeTakeFirstOrThrow();
    const items = await q
      .selectAll()
      .orderBy("id")
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize)
      .execute();
    return { items, total: Number(total) };
  }

  async create(u: NewUser): Promise<User> {
    return this.db.insertInto("users").values(u).returningAll().executeTakeFirstOrThrow();
  }

  async update(
    id: number,
    patch: Partial<Pick<User, "display_name" | "password_hash" | "role" | "station_id" | "disabled">>,
  ): Promise<User | undefined> {
    const set: Record<string, unknown> = { ...patch };
    if (patch.password_hash) set.password_changed_at = new Date();
    return this.db.updateTable("users").set(set).where("id", "=", id).returningAll().executeTakeFirst();
  }

  async setPassword(id: number, hash: string): Promise<void> {
    await this.update(id, { password_hash: hash });
  }

  async delete(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
