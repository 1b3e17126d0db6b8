/** The system status page's SQL: every camera with its workshop and station, and the event log's top. */
import type { Db } from "@mingfang/db";
import { sql } from "kysely";

export interface CameraRow {
  id: number;
  name: string;
  enabled: boolean;
  workshopName: string;
  stationId: number;
}

export class SystemRepository {
  constructor(private readonly db: Db) {}

  cameras(): Promise<CameraRow[]> {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.name", "c.enabled", "w.name as workshopName", "w.station_id as stationId"])
      .orderBy("w.station_id")
      .orderBy("c.id")
      .execute();
  }

  async latestEventSeq(): Promise<string> {
    const row = await this.db
      .selectFrom("events")
      .select(sql<string>`coalesce(max(seq), 0)`.as("top"))
      .executeTakeFirstOrThrow();
    return String(row.top);
  }
}
