import { randomBytes } from "node:crypto";
import { createLogger, createRedis, type Redis } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { backends, openTestDb } from "../../../../test/support/harness.js";
import { type BusEvent, EventBus } from "./event-bus.js";

const silent = createLogger({ level: "silent" });

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(backends())("event bus on %s", (backend) => {
  let dbh: Awaited<ReturnType<typeof openTestDb>>;
  let redis: Redis;
  let a: EventBus;
  let b: EventBus;
  const seenA: BusEvent[] = [];
  const seenB: BusEvent[] = [];

  beforeAll(async () => {
    dbh = await openTestDb(backend);
    redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
    // Two buses on one database stand for two API processes: B only learns through Redis or its poll.
    a = new EventBus({ db: dbh.db, redis, logger: silent, pollMs: 60_000 });
    b = new EventBus({ db: dbh.db, redis, logger: silent, pollMs: 60_000 });
    await a.start();
    await b.start();
    a.subscribe((e) => seenA.push(e));
    b.subscribe((e) => seenB.push(e));
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    redis.disconnect();
    await dbh.close();
  });

  it("appends inside the caller's transaction and fans out after commit, in order, to every process", async () => {
    const r1 = await a.publish(dbh.db, "alert.created", 1, { n: 1 });
    const r2 = await a.transaction(async (trx) => a.publish(trx, "alert.updated", 2, { n: 2 }));
    const r3 = await dbh.db.transaction().execute((trx) => a.publish(trx, "case.created", null, { n: 3 }));
    expect(BigInt(r2.seq)).toBeGreaterThan(BigInt(r1.seq));
    expect(BigInt(r3.seq)).toBeGreaterThan(BigInt(r2.seq));
    await waitFor(() => seenA.length >= 3 && seenB.length >= 3);
    for (const seen of [seenA, seenB]) {
      expect(seen.map((e) => [e.seq, e.kind, e.stationId, e.payload.n])).toEqual([
        [r1.seq, "alert.created", 1, 1],
        [r2.seq, "alert.updated", 2, 2],
        [r3.seq, "case.created", null, 3],
      ]);
    }
  });

  it("a rolled-back event never exists and is never delivered", async () => {
    const before = seenB.length;
    await expect(
      a.transaction(async (trx) => {
        await a.publish(trx, "alert.created", 1, { n: "ghost" });
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    const r = await a.publish(dbh.db, "alert.created", 1, { n: 4 });
    await waitFor(() => seenB.some((e) => e.seq === r.seq));
    expect(seenB.slice(before).map((e) => e.payload.n)).toEqual([4]);
    const all = await a.readSince("0", 100);
    expect(all.some((e) => e.payload.n === "ghost")).toBe(false);
  });

  it("readSince returns the backlog in order, bounded", async () => {
    const first = await a.readSince("0", 100);
    expect(first.map((e) => e.payload.n)).toEqual([1, 2, 3, 4]);
    const tail = await a.readSince(first[1]!.seq, 1);
    expect(tail.map((e) => e.payload.n)).toEqual([3]);
    const upTo = await a.readSince("0", 100, first[2]!.seq);
    expect(upTo.map((e) => e.payload.n)).toEqual([1, 2, 3]);
  });

  it("concurrent publishers still deliver every event once and in seq order", async () => {
    const before = seenB.length;
    const rs = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        a.transaction(async (trx) => a.publish(trx, "alert.created", i % 3, { i })),
      ),
    );
    const top = rs
      .map((r) => BigInt(r.seq))
      .sort((x, y) => (x < y ? -1 : 1))
      .at(-1);
    await waitFor(() => seenB.length - before >= 40);
    const got = seenB.slice(before);
    expect(got).toHaveLength(40);
    const seqs = got.map((e) => BigInt(e.seq));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(seqs.at(-1)).toBe(top);
    expect(b.deliveredSeq).toBe(top.toString());
  });
});
