/** The cameras whose live status a user may read: ids and whether they are enabled, in one query. */
import type { ListScope } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { applyStationScope } from "../workshops/workshop.repository.js";

export interface ScopedCamera {
  id: number;
  enabled: boolean;
}

export class CameraStatusRepository {
  constructor(private readonly db: Db) {}

  async visible(scope: ListScope, stationId?: number): Promise<ScopedCamera[]> {
    let q = this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.enabled"]);
    q = applyStationScope(q, "w.station_id", scope);
    if (stationId !== undefined) q = q.where("w.station_id", "=", stationId);
    return q.orderBy("c.id").execute();
  }
}
