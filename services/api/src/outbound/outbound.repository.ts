import type { Db } from "@mingfang/db";
/** What the outbound relay reads besides the event log: the code of a station (its topic and body). */

export class OutboundRepository {
  constructor(private readonly db: Db) {}

  async stationCode(stationId: number): Promise<string | undefined> {
    const s = await this.db
      .selectFrom("stations")
      .select("code")
      .where("id", "=", stationId)
      .executeTakeFirst();
    return s?.code;
  }
}
