/**
 * The `events` table, the log of the event bus (event-bus.ts says how appends and reads are ordered).
 */
import type { EventKind } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { type Kysely, sql, type Transaction } from "kysely";

type Database = Db extends Kysely<infer D> ? D : never;

/** Any fixed 64-bit key: serialises event appends so commit order equals seq order. */
const APPEND_LOCK_KEY = 7_061_796_613_003_001n;

export interface EventRow {
  seq: string;
  kind: string;
  station_id: number | null;
  payload: unknown;
  created_at: Date;
}

export class EventRepository {
  constructor(private readonly db: Db) {}

  /**
   * Appends one event in the transaction and returns its seq. Takes the transaction-scoped append lock
   * first, so events commit in seq order.
   */
  async append(
    trx: Transaction<Database>,
    kind: EventKind,
    stationId: number | null,
    payload: Record<string, unknown>,
  ): Promise<string> {
    await sql`select pg_advisory_xact_lock(${sql.lit(APPEND_LOCK_KEY.toString())}::bigint)`.execute(trx);
    const row = await trx
      .insertInto("events")
      .values({ kind, station_id: stationId, payload: JSON.stringify(payload) })
      .returning("seq")
      .executeTakeFirstOrThrow();
    return String(row.seq);
  }

  /** Committed events after `since` (and up to `upTo`), in seq order, at most `limit`. */
  since(since: string, limit: number, upTo?: string): Promise<EventRow[]> {
    let q = this.db.selectFrom("events").selectAll().where("seq", ">", since).orderBy("seq").limit(limit);
    if (upTo !== undefined) q = q.where("seq", "<=", upTo);
    return q.execute() as Promise<EventRow[]>;
  }

  /** The highest committed seq, "0" when there is none. */
  async topSeq(): Promise<string> {
    const top = await this.db
      .selectFrom("events")
      .select(sql<string>`coalesce(max(seq), 0)`.as("top"))
      .executeTakeFirstOrThrow();
    return String(top.top);
  }
}
