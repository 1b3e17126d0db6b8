/**
 * The hub of one API instance when the console's last seq came from another instance: two event buses on
 * one database stand for two API processes, and B hears nothing from A (its own Redis prefix, a minute's
 * poll), as when B's wake-up is late or lost. A console that saw A's newest event and reconnects to B
 * with it must be replayed and go live, not be told to reload.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createLogger, createRedis, type Redis } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { WebSocket } from "ws";
import { backends, openTestDb } from "../../../../test/support/harness.js";
import type { SessionUser } from "../auth/session.repository.js";
import { EventBus } from "../events/event-bus.js";
import { WsHub } from "./ws-hub.js";

const silent = createLogger({ level: "silent" });

/** Just what the hub uses of a `ws` socket; what it sends is kept as parsed messages. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: { type: string; seq?: string; reason?: string; replayed?: number }[] = [];
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  ping() {}
  terminate() {
    this.readyState = 3;
  }
  close() {
    this.readyState = 3;
  }
}

const admin: SessionUser = {
  id: 1,
  username: "admin",
  role: "bureau_admin",
  stationId: null,
  displayName: "admin",
  sessionId: "s",
  lastSeenAt: new Date(),
};

async function attach(hub: WsHub, since: string | null): Promise<FakeSocket> {
  const socket = new FakeSocket();
  await hub.attach(socket as unknown as WebSocket, admin, since, async () => admin);
  return socket;
}

describe.each(backends())("WebSocket hub across API instances on %s", (backend) => {
  let dbh: Awaited<ReturnType<typeof openTestDb>>;
  const redises: Redis[] = [];
  let a: EventBus;
  let b: EventBus;
  let hubB: WsHub;

  beforeAll(async () => {
    dbh = await openTestDb(backend);
    const bus = () => {
      const redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
      redises.push(redis);
      return new EventBus({ db: dbh.db, redis, logger: silent, pollMs: 60_000 });
    };
    a = bus();
    b = bus();
    await a.start();
    await b.start();
    hubB = new WsHub(b, silent, { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20, maxBacklog: 1000 });
  });
  afterAll(async () => {
    await hubB.close();
    await a.close();
    await b.close();
    for (const r of redises) r.disconnect();
    await dbh.close();
  });

  it("replays from a seq instance B has not delivered yet, then goes live", async () => {
    const e1 = await a.publish(dbh.db, "alert.created", 1, { n: 1 });
    const e2 = await a.publish(dbh.db, "alert.created", 1, { n: 2 });
    const e3 = await a.publish(dbh.db, "alert.updated", 2, { n: 3 });
    await a.flush();
    expect(a.deliveredSeq).toBe(e3.seq);
    expect(BigInt(b.deliveredSeq)).toBeLessThan(BigInt(e1.seq)); // B lags: it was told nothing

    // The console saw e2 on A and comes to B.
    const s = await attach(hubB, e2.seq);
    expect(s.sent.map((m) => [m.type, m.seq])).toEqual([
      ["hello", e3.seq],
      ["event", e3.seq],
      ["synced", e3.seq],
    ]);
    expect(s.sent[2]?.replayed).toBe(1);

    // Live from there: the next event reaches it once.
    const e4 = await a.publish(dbh.db, "case.created", null, { n: 4 });
    await b.flush();
    expect(s.sent.slice(3).map((m) => [m.type, m.seq])).toEqual([["event", e4.seq]]);
  });

  it("still resets a seq that no instance committed", async () => {
    const s = await attach(hubB, (BigInt(b.deliveredSeq) + 1000n).toString());
    expect(s.sent.map((m) => [m.type, m.reason])).toEqual([
      ["hello", undefined],
      ["reset", "unknown_seq"],
    ]);
  });
});
