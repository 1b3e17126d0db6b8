import type { Db } from "@mingfang/db";

/** A workshop as its poster (一店一码) prints it: name, licence, station, whether it is a demonstration site. */
export class PosterRepository {
  constructor(private readonly db: Db) {}

  site(workshopId: number) {
    return this.db
      .selectFrom("workshops as w")
      .innerJoin("stations as s", "s.id", "w.station_id")
      .select([
        "w.id",
        "w.name",
        "w.licence_no",
        "w.category",
        "w.demo_site",
        "w.station_id",
        "s.name as station_name",
      ])
      .where("w.id", "=", workshopId)
      .executeTakeFirst();
  }
}
