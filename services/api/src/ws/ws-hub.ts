/**
 * The WebSocket hub of one API process: every console connected here, the events the bus delivers,
 * each sent only to the users allowed to see it.
 *
 * Protocol (server → client, JSON; see WsServerMessage in core/contracts/alerts.ts):
 *   hello {seq}            on connect: the newest seq; keep the highest seq seen (events, heartbeats)
 *   event {seq, kind, …}   in seq order, each once
 *   synced {seq, replayed} after the backlog of a `since` reconnection
 *   reset {seq, reason}    backlog too long or `since` unknown: reload over REST, continue from seq
 *   heartbeat {seq}        every heartbeatMs; the server also pings, and drops a client silent for two
 * A client that reconnects with `?since=<seq>` is replayed every event after it that it may see (from
 * the `events` table), then goes live with no gap and no duplicate: the replay's last part and the
 * switch to live happen while the bus delivers nothing (bus.exclusive). The seq may come from another
 * API instance (behind a load balancer a reconnection lands anywhere): every instance reads the same
 * table, and one whose pump lags reads up to the committed end before it would call `since` unknown.
 *
 * A slow client never slows the others: sending is non-blocking; when a client's unsent bytes pass
 * wsMaxBufferedBytes it is closed (code 4008) and resyncs with `since` when it comes back.
 */
import { canSeeEvent, type Logger, type WsServerMessage } from "@mingfang/core";
import type { WebSocket } from "ws";
import type { SessionUser } from "../auth/session.repository.js";
import type { BusEvent, EventBus } from "../events/event-bus.js";

export const WS_CLOSE = {
  slowConsumer: 4008,
  sessionEnded: 4001,
  shuttingDown: 1001,
} as const;

export interface WsHubOptions {
  heartbeatMs: number;
  maxBufferedBytes: number;
  maxBacklog: number;
}

interface Client {
  socket: WebSocket;
  user: SessionUser;
  live: boolean;
  alive: boolean;
  /** Re-checks the session; null when it ended. */
  revalidate: () => Promise<SessionUser | null>;
}

export class WsHub {
  private readonly clients = new Set<Client>();
  private readonly log: Logger;
  private readonly unsubscribe: () => void;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Counters for /metrics and the bench. */
  readonly stats = { sent: 0, droppedSlow: 0, droppedSilent: 0, replayed: 0 };

  constructor(
    private readonly bus: EventBus,
    logger: Logger,
    private readonly opts: WsHubOptions,
  ) {
    this.log = logger.child({ component: "ws" });
    this.unsubscribe = bus.subscribe((e) => this.dispatch(e));
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over an authenticated socket. `since`: the last seq the client saw, if reconnecting. */
  async attach(
    socket: WebSocket,
    user: SessionUser,
    since: string | null,
    revalidate: () => Promise<SessionUser | null>,
  ): Promise<void> {
    const c: Client = { socket, user, live: false, alive: true, revalidate };
    this.clients.add(c);
    socket.on("pong", () => {
      c.alive = true;
    });
    socket.on("message", () => {
      c.alive = true; // any message is a sign of life; the protocol has no client commands
    });
    socket.on("close", () => this.clients.delete(c));
    socket.on("error", () => this.clients.delete(c));
    try {
      const hello = () =>
        this.send(c, {
          type: "hello",
          seq: this.bus.deliveredSeq,
          user: { id: user.id, role: user.role, stationId: user.stationId },
          heartbeatMs: this.opts.heartbeatMs,
        });
      if (since === null) {
        // Between two deliveries: every event after hello.seq reaches this client.
        await this.bus.exclusive(async () => {
          hello();
          c.live = true;
        });
        return;
      }
      if (BigInt(since) > BigInt(this.bus.deliveredSeq)) {
        // With several API instances the console may come from one whose pump is ahead of ours (it saw
        // seq N there; ours has not been woken for N yet): read what is committed before judging `since`.
        await this.bus.flush();
      }
      hello();
      await this.replay(c, since);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, userId: user.id }, "websocket set-up failed");
      this.clients.delete(c);
      socket.terminate();
    }
  }

  private async replay(c: Client, since: string): Promise<void> {
    let cursor = since;
    let replayed = 0;
    let scanned = 0;
    const page = 500;
    const sendPage = (rows: BusEvent[]) => {
      for (const e of rows) {
        cursor = e.seq;
        scanned++;
        if (canSeeEvent(c.user, e)) {
          this.sendRaw(c, eventMessage(e));
          replayed++;
        }
      }
    };
    if (BigInt(since) > BigInt(this.bus.deliveredSeq)) {
      // A seq no instance has committed (database restored, another installation): start again.
      await this.bus.exclusive(async () => {
        this.send(c, { type: "reset", seq: this.bus.deliveredSeq, reason: "unknown_seq" });
        c.live = true;
      });
      return;
    }
    // Most of the backlog outside the exclusive section: the others keep receiving meanwhile.
    for (;;) {
      const upTo = this.bus.deliveredSeq;
      if (BigInt(cursor) >= BigInt(upTo)) break;
      const rows = await this.bus.readSince(cursor, page, upTo);
      if (rows.length === 0) break;
      if (scanned + rows.length > this.opts.maxBacklog) {
        await this.bus.exclusive(async () => {
          this.send(c, { type: "reset", seq: this.bus.deliveredSeq, reason: "backlog_too_long" });
          c.live = true;
        });
        return;
      }
      sendPage(rows);
      if (c.socket.readyState !== c.socket.OPEN) return;
    }
    await this.bus.exclusive(async () => {
      for (;;) {
        const rows = await this.bus.readSince(cursor, page, this.bus.deliveredSeq);
        if (rows.length === 0) break;
        sendPage(rows);
      }
      this.stats.replayed += replayed;
      this.send(c, { type: "synced", seq: cursor, replayed });
      c.live = true;
    });
  }

  private dispatch(e: BusEvent): void {
    let msg: string | null = null;
    for (const c of this.clients) {
      if (!c.live || !canSeeEvent(c.user, e)) continue;
      msg ??= JSON.stringify(eventMessage(e));
      this.sendRaw(c, msg);
    }
  }

  private send(c: Client, m: WsServerMessage): void {
    this.sendRaw(c, JSON.stringify(m));
  }

  private sendRaw(c: Client, msg: string | WsServerMessage): void {
    const s = c.socket;
    if (s.readyState !== s.OPEN) return;
    const data = typeof msg === "string" ? msg : JSON.stringify(msg);
    if (s.bufferedAmount + data.length > this.opts.maxBufferedBytes) {
      this.stats.droppedSlow++;
      this.log.info({ userId: c.user.id, buffered: s.bufferedAmount }, "slow websocket client dropped");
      this.clients.delete(c);
      c.live = false;
      // close() would queue behind the buffered data; the client reconnects with `since`.
      s.terminate();
      return;
    }
    this.stats.sent++;
    s.send(data);
  }

  private beat(): void {
    const seq = this.bus.deliveredSeq;
    const msg = JSON.stringify({
      type: "heartbeat",
      seq,
      at: new Date().toISOString(),
    } satisfies WsServerMessage);
    for (const c of this.clients) {
      if (!c.alive) {
        this.stats.droppedSilent++;
        this.clients.delete(c);
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.socket.ping();
      } catch {
        // closed meanwhile
      }
      if (c.live) this.sendRaw(c, msg);
      c.revalidate()
        .then((u) => {
          if (!u) {
            this.clients.delete(c);
            c.socket.close(WS_CLOSE.sessionEnded, "session ended");
          } else {
            c.user = u;
          }
        })
        .catch(() => {
          // database unavailable: keep the client; the next beat checks again
        });
    }
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const c of this.clients) c.socket.close(WS_CLOSE.shuttingDown, "server shutting down");
    this.clients.clear();
  }
}

function eventMessage(e: BusEvent): WsServerMessage {
  return {
    type: "event",
    seq: e.seq,
    kind: e.kind,
    stationId: e.stationId,
    at: e.createdAt,
    payload: e.payload,
  };
}
