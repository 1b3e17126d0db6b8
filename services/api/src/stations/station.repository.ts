import type { Db } from "@mingfang/db";

/** The 18 supervision stations (seeded; the API never writes them). */
export class StationRepository {
  constructor(private readonly db: Db) {}

  /** Each station with the number of its pilot workshops. */
  private withPilotCounts() {
    return this.db
      .selectFrom("stations as s")
      .selectAll("s")
      .select((eb) =>
        eb
          .selectFrom("workshops as w")
          .whereRef("w.station_id", "=", "s.id")
          .where("w.pilot", "=", true)
          .select(eb.fn.countAll<string>().as("n"))
          .as("pilot_workshops"),
      )
      .orderBy("s.id");
  }

  list() {
    return this.withPilotCounts().execute();
  }

  find(id: number) {
    return this.withPilotCounts().where("s.id", "=", id).executeTakeFirst();
  }

  async exists(id: number): Promise<boolean> {
    return !!(await this.db.selectFrom("stations").select("id").where("id", "=", id).executeTakeFirst());
  }
}
