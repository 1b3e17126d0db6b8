/**
 * The event bus: the append-only `events` table is the log, Redis pub/sub only wakes the readers.
 *
 * Writing — `bus.publish(trx, kind, stationId, payload)` appends one row to `events` INSIDE the caller's
 * transaction and returns its `seq` (bigserial, as a decimal string: never a lossy number). If the
 * transaction rolls back, the event never existed. Call it LAST in the transaction, after every other
 * write: it takes a transaction-scoped advisory lock so that events commit in `seq` order (a reader
 * that has seen seq N will never later find a committed seq < N). Holding that lock while then waiting
 * on row locks could deadlock against another publisher.
 *
 *   await bus.transaction(async (trx) => {          // preferred: fan-out right after COMMIT
 *     await trx.updateTable("cases")...;
 *     await bus.publish(trx, "case.updated", stationId, { id, state, assignedBrigade });
 *   });
 *   await db.transaction().execute(async (trx) => { // also fine: readers poll until the row is visible
 *     await bus.publish(trx, ...);
 *   });
 *   await bus.publish(db, ...);                     // outside a transaction: its own transaction
 *
 * Reading — every API process runs one pump (`start()`): it reads committed rows `seq > cursor` in
 * order and hands each to the local listeners (the WebSocket hub). The pump is woken by a message on
 * Redis channel REDIS_KEYS.eventsChannel (sent by any API process after a commit, or right away when
 * the commit cannot be observed, in which case the pump retries for a few seconds until the row is
 * visible), and polls the table every `pollMs` anyway, so a lost Redis message only delays delivery.
 * Since the table is the log, a reconnecting console is served from it (`readSince`).
 *
 * Payload conventions for filters (the WebSocket hub decides who sees what from these):
 *   - `stationId` (column): the station whose users may see the event; null = bureau-wide only.
 *   - `payload.assignedBrigade === true` on case.* events: the brigade sees it too.
 */
import { type EventKind, type Logger, REDIS_KEYS, type Redis } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import type { Kysely, Transaction } from "kysely";
import { EventRepository, type EventRow } from "./event.repository.js";

type Database = Db extends Kysely<infer D> ? D : never;
export type Executor = Db | Transaction<Database>;

export interface BusEvent {
  /** bigserial as a decimal string. */
  seq: string;
  kind: EventKind;
  stationId: number | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export type BusListener = (e: BusEvent) => void;

export interface EventBusOptions {
  db: Db;
  /** Publishes wake-ups (the app's shared connection). */
  redis: Redis;
  logger: Logger;
  /** Fallback poll of the table. */
  pollMs?: number;
  /** How long the pump keeps looking for a seq it was told about before giving up (rolled back). */
  chaseMs?: number;
}

export class EventBus {
  private readonly db: Db;
  private readonly repo: EventRepository;
  private readonly redis: Redis;
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly chaseMs: number;
  private readonly listeners = new Set<BusListener>();
  /** Transactions opened by `transaction()`: their highest seq, announced after commit. */
  private readonly pending = new WeakMap<object, bigint>();
  private sub: Redis | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private chaseTimer: NodeJS.Timeout | null = null;
  /** REDIS_KEYS.eventsChannel, behind the connection's key prefix (pub/sub channels are not prefixed). */
  private readonly channel: string;
  private cursor = 0n;
  /** Highest seq anybody announced; the pump chases it until visible or `chaseMs` passed. */
  private wanted = 0n;
  private wantedSince = 0;
  private chaseDelay = 2;
  private running = false;
  private closed = false;
  /** Serialises pump rounds and `exclusive()` sections. */
  private chain: Promise<void> = Promise.resolve();

  constructor(opts: EventBusOptions) {
    this.db = opts.db;
    this.repo = new EventRepository(opts.db);
    this.redis = opts.redis;
    this.log = opts.logger.child({ component: "event-bus" });
    this.pollMs = opts.pollMs ?? 1000;
    this.chaseMs = opts.chaseMs ?? 5000;
    this.channel = `${opts.redis.options.keyPrefix ?? ""}${REDIS_KEYS.eventsChannel}`;
  }

  /**
   * Appends an event in the caller's transaction (or its own when given the plain database).
   * Returns the seq. Fan-out happens after commit.
   */
  async publish(
    exec: Executor,
    kind: EventKind,
    stationId: number | null,
    payload: Record<string, unknown>,
  ): Promise<{ seq: string }> {
    if (!exec.isTransaction) {
      return this.transaction((trx) => this.publish(trx, kind, stationId, payload));
    }
    const seq = await this.repo.append(exec as Transaction<Database>, kind, stationId, payload);
    if (this.pending.has(exec)) {
      const prev = this.pending.get(exec) ?? 0n;
      if (BigInt(seq) > prev) this.pending.set(exec, BigInt(seq));
    } else {
      // The commit is not ours to see: announce now, readers chase the row until it is visible.
      this.announce(seq);
    }
    return { seq };
  }

  /** Runs `fn` in a transaction; events it publishes are announced right after COMMIT. */
  async transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    let top = 0n;
    const result = await this.db.transaction().execute(async (trx) => {
      this.pending.set(trx, 0n);
      const r = await fn(trx);
      top = this.pending.get(trx) ?? 0n;
      return r;
    });
    if (top > 0n) this.announce(top.toString());
    return result;
  }

  /** Local listener (this process). Returns the unsubscribe function. */
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The highest seq this process has delivered to its listeners. */
  get deliveredSeq(): string {
    return this.cursor.toString();
  }

  /** Committed events after `since`, in order (for a reconnecting console). */
  async readSince(since: string, limit: number, upTo?: string): Promise<BusEvent[]> {
    const rows = await this.repo.since(since, limit, upTo);
    return rows.map(toBusEvent);
  }

  /**
   * Runs `fn` between two pump rounds: no delivery happens while it runs, so a console can read the
   * backlog up to `deliveredSeq` and go live without a gap or a duplicate.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Starts the pump: delivery begins after the last committed event. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.cursor = BigInt(await this.repo.topSeq());
    this.sub = this.redis.duplicate({ lazyConnect: true });
    this.sub.on("message", (_channel: string, message: string) => {
      if (/^\d+$/.test(message)) this.want(BigInt(message));
    });
    this.sub.on("error", (err: Error) => this.log.debug({ err: err.message }, "event subscriber error"));
    // A resubscribe happens by itself on reconnect (ioredis autoResubscribe); messages sent while
    // disconnected are covered by the poll.
    await this.sub.connect().catch((err: Error) => this.log.warn({ err: err.message }, "subscriber"));
    await this.sub.subscribe(this.channel).catch((err: Error) => {
      this.log.warn({ err: err.message }, "cannot subscribe to the events channel; polling only");
    });
    const tick = () => {
      if (this.closed) return;
      this.kick();
      this.pollTimer = setTimeout(tick, this.pollMs);
      this.pollTimer.unref();
    };
    this.pollTimer = setTimeout(tick, this.pollMs);
    this.pollTimer.unref();
  }

  /** Delivers whatever is committed and not yet delivered (also used by tests). */
  async flush(): Promise<void> {
    await this.exclusive(() => this.round());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.running = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.chaseTimer) clearTimeout(this.chaseTimer);
    this.pollTimer = null;
    this.chaseTimer = null;
    const sub = this.sub;
    this.sub = null;
    if (sub) {
      sub.removeAllListeners("message");
      await sub.quit().catch(() => sub.disconnect());
    }
    await this.chain;
    this.listeners.clear();
  }

  private announce(seq: string): void {
    if (this.running) this.want(BigInt(seq));
    // Other API processes: fire and forget; their poll covers a lost message.
    this.redis.publish(this.channel, seq).catch((err: Error) => {
      this.log.debug({ err: err.message }, "event wake-up not published");
    });
  }

  private want(seq: bigint): void {
    // Already delivered (typically our own wake-up coming back from Redis): nothing to read.
    if (!this.running || seq <= this.cursor) return;
    if (seq > this.wanted) {
      this.wanted = seq;
      this.wantedSince = Date.now();
      this.chaseDelay = 2;
    }
    this.kick();
  }

  private kicking = false;
  private kick(): void {
    if (this.kicking || this.closed) return;
    this.kicking = true;
    void this.exclusive(async () => {
      this.kicking = false;
      await this.round();
    }).catch((err: Error) => {
      this.log.warn({ err: err.message }, "event pump round failed");
    });
  }

  private async round(): Promise<void> {
    if (this.closed) return;
    for (;;) {
      const rows = await this.readSince(this.cursor.toString(), 500);
      for (const e of rows) {
        this.cursor = BigInt(e.seq);
        for (const l of this.listeners) {
          try {
            l(e);
          } catch (err) {
            this.log.warn({ err: (err as Error).message }, "event listener threw");
          }
        }
      }
      if (rows.length < 500) break;
    }
    if (this.wanted > this.cursor && !this.closed) {
      if (Date.now() - this.wantedSince > this.chaseMs) {
        this.wanted = this.cursor; // rolled back (or never committed): stop chasing
        return;
      }
      if (!this.chaseTimer) {
        this.chaseTimer = setTimeout(() => {
          this.chaseTimer = null;
          this.kick();
        }, this.chaseDelay);
        this.chaseTimer.unref();
        this.chaseDelay = Math.min(this.chaseDelay * 2, 100);
      }
    }
  }
}

function toBusEvent(r: EventRow): BusEvent {
  return {
    seq: String(r.seq),
    kind: r.kind as EventKind,
    stationId: r.station_id,
    payload: (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
