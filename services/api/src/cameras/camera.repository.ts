import type { CameraListQuery, ListScope } from "@mingfang/core";
import type { CamerasTable, Db, NewCamera } from "@mingfang/db";
import type { Updateable } from "kysely";
import { notFound } from "../errors.js";
import { applyStationScope } from "../workshops/workshop.repository.js";

/** The columns a camera update sets. */
export type CameraUpdate = Updateable<CamerasTable>;

export class CameraRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .selectAll("c")
      .select("w.station_id");
  }

  async list(f: CameraListQuery, scope: ListScope) {
    let q = this.db.selectFrom("cameras as c").innerJoin("workshops as w", "w.id", "c.workshop_id");
    q = applyStationScope(q, "w.station_id", scope);
    if (f.stationId !== undefined) q = q.where("w.station_id", "=", f.stationId);
    if (f.workshopId !== undefined) q = q.where("c.workshop_id", "=", f.workshopId);
    if (f.pilot !== undefined) q = q.where("w.pilot", "=", f.pilot);
    if (f.demoSite !== undefined) q = q.where("w.demo_site", "=", f.demoSite);
    if (f.area !== undefined) q = q.where("c.area", "=", f.area);
    const { total } = await q.select(({ fn }) => fn.countAll<string>().as("total")).executeTakeFirstOrThrow();
    const items = await q
      .selectAll("c")
      .select("w.station_id")
      .orderBy("c.workshop_id")
      .orderBy("c.id")
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize)
      .execute();
    return { items, total: Number(total) };
  }

  find(id: number) {
    return this.base().where("c.id", "=", id).executeTakeFirst();
  }

  /** The camera with its station, or a 404 `camera not found` (the camera, rules and media routes). */
  async findOrThrow(id: number) {
    const c = await this.find(id);
    if (!c) throw notFound("camera");
    return c;
  }

  async create(c: NewCamera): Promise<number> {
    const r = await this.db.insertInto("cameras").values(c).returning("id").executeTakeFirstOrThrow();
    return r.id;
  }

  async update(id: number, patch: CameraUpdate): Promise<void> {
    await this.db
      .updateTable("cameras")
      .set({ ...patch, updated_at: new Date() })
      .where("id", "=", id)
      .execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom("cameras").where("id", "=", id).execute();
  }
}
