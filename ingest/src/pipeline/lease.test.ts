/**
 * The camera lease scripts against a real Redis: a held lease cannot be taken; fencing tokens only grow;
 * a node whose lease expired and was taken can neither renew nor release the new holder's lease, nor
 * write the camera's status; a node id with the separator is refused. Then two assigners (the per-node
 * loop) on fake cameras: they split the cameras, a stolen lease stops its camera at once, and a node cut
 * off from Redis stops its cameras before their leases expire, after which the other node takes them.
 * (One file: the node set in Redis is global, and tests in a file run one after the other.)
 */
import { randomInt } from "node:crypto";
import { type CameraStatus, createLogger, createRedis, REDIS_KEYS, type Redis } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CameraAssigner } from "./camera-assigner.js";
import { CameraLeases, FencedStatusSink, type Lease } from "./lease.js";
import { NodeRegistry } from "./node-registry.js";
import { rendezvousOwner } from "./rendezvous.js";

let redis: Redis;
/** Camera ids of this run only: the test Redis is shared with other test files. */
const camera = () => randomInt(100_000_000, 2_000_000_000);

const status = (cameraId: number): CameraStatus => ({
  cameraId,
  status: "online",
  state: "live",
  fps: 10,
  bitrateKbps: 500,
  lastFrameAt: null,
  lastError: null,
  since: new Date().toISOString(),
  restarts: 0,
  updatedAt: new Date().toISOString(),
});

async function until(what: string, ms: number, fn: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(() => {
  redis = createRedis(inject("redisUrl"));
});
afterAll(() => redis?.disconnect());

describe("camera leases", () => {
  it("one holder at a time; the holder renews and releases, the other cannot", async () => {
    const id = camera();
    const a = new CameraLeases(redis, "node-a", 5000);
    const b = new CameraLeases(redis, "node-b", 5000);
    const la = await a.acquire(id);
    expect(la).toMatchObject({ cameraId: id, nodeId: "node-a", token: 1 });
    expect(await b.acquire(id)).toBeUndefined();
    expect(await a.holder(id)).toEqual({ nodeId: "node-a", token: 1 });
    // b forging a's value with another token changes nothing.
    expect(await b.renew({ cameraId: id, nodeId: "node-b", token: 1 })).toBe(false);
    expect(await b.release({ cameraId: id, nodeId: "node-b", token: 1 })).toBe(false);
    expect(await a.renew(la!)).toBe(true);
    expect(await a.release(la!)).toBe(true);
    expect(await a.release(la!)).toBe(false);
    const lb = await b.acquire(id);
    expect(lb?.token).toBe(2);
    await b.release(lb!);
  });

  it("fencing: after expiry the old holder cannot renew, release or write status over the new one", async () => {
    const id = camera();
    const a = new CameraLeases(redis, "node-a", 1000);
    const b = new CameraLeases(redis, "node-b", 5000);
    const old = await a.acquire(id);
    expect(old).toBeDefined();
    await until(
      "the lease to expire",
      5000,
      async () => (await redis.exists(REDIS_KEYS.ingestLease(id))) === 0,
    );
    const fresh = await b.acquire(id);
    expect(fresh!.token).toBeGreaterThan(old!.token);
    expect(await a.renew(old!)).toBe(false);
    expect(await a.release(old!)).toBe(false);
    expect(await b.holder(id)).toEqual({ nodeId: "node-b", token: fresh!.token });

    const held = new Map<number, Lease>();
    const sinkA = new FencedStatusSink(redis, () => old);
    const sinkB = new FencedStatusSink(redis, (c) => held.get(c));
    held.set(id, fresh!);
    await sinkB.publish(status(id));
    await sinkA.publish({ ...status(id), status: "offline", state: "stopped" });
    const written = JSON.parse((await redis.get(REDIS_KEYS.cameraStatus(id)))!) as CameraStatus;
    expect(written).toMatchObject({ status: "online", node: "node-b" });
    await b.release(fresh!);
    // Without a lease nothing is written at all.
    await redis.del(REDIS_KEYS.cameraStatus(id));
    await sinkB.publish(status(id));
    expect(await redis.get(REDIS_KEYS.cameraStatus(id))).toBeNull();
  });

  it("tokens only grow, also when a node takes its own lease again (a restart under the same id)", async () => {
    const id = camera();
    const a = new CameraLeases(redis, "node-a", 5000);
    const t1 = (await a.acquire(id))!.token;
    const again = await a.acquire(id);
    expect(again!.token).toBe(t1 + 1);
    // The earlier token is fenced off.
    expect(await a.renew({ cameraId: id, nodeId: "node-a", token: t1 })).toBe(false);
    expect(await a.release(again!)).toBe(true);
  });

  it("refuses a node id with the separator and a TTL under a second", () => {
    expect(() => new CameraLeases(redis, "a:b", 5000)).toThrow(/node id/);
    expect(() => new CameraLeases(redis, "a", 10)).toThrow(/TTL/);
  });
});

describe("ingest node registry", () => {
  it("lists live nodes and drops one that stops renewing", async () => {
    const suffix = camera();
    const a = new NodeRegistry(redis, `reg-a-${suffix}`, 5000);
    const b = new NodeRegistry(redis, `reg-b-${suffix}`, 600);
    await b.heartbeat({ cameras: [1], leaseMoves: {} });
    const live = await a.heartbeat({ cameras: [], leaseMoves: {} });
    expect(live).toEqual(expect.arrayContaining([`reg-a-${suffix}`, `reg-b-${suffix}`]));
    const info = JSON.parse((await redis.get(REDIS_KEYS.ingestNode(`reg-b-${suffix}`)))!);
    expect(info).toMatchObject({ id: `reg-b-${suffix}`, cameras: [1], pid: process.pid });
    await until("b to expire", 5000, async () => {
      const now = await a.heartbeat({ cameras: [], leaseMoves: {} });
      return !now.includes(`reg-b-${suffix}`);
    });
    await a.leave();
    expect(await redis.zscore(REDIS_KEYS.ingestNodes, `reg-a-${suffix}`)).toBeNull();
  });
});

/** An assigner on fake cameras: records when each camera started and stopped. */
function fakeNode(id: string, conn: Redis, cams: number[], ttlMs: number) {
  const running = new Set<number>();
  const events: { at: number; cameraId: number; what: "start" | "stop" }[] = [];
  const assigner = new CameraAssigner({
    redis: conn,
    nodeId: id,
    ttlMs,
    logger: createLogger({ level: "silent" }),
    rebalanceMs: 200,
  });
  let chain = Promise.resolve();
  const hooks = {
    candidates: async () => cams,
    start: async (c: number) => {
      running.add(c);
      events.push({ at: Date.now(), cameraId: c, what: "start" });
      return true;
    },
    stop: async (c: number) => {
      if (running.delete(c)) events.push({ at: Date.now(), cameraId: c, what: "stop" });
    },
    serial: (fn: () => Promise<void>) => {
      const run = chain.then(fn);
      chain = run.catch(() => {});
      return run;
    },
  };
  return { assigner, running, events, start: () => assigner.start(hooks) };
}

describe("camera assigner", () => {
  it("splits the cameras, stops a camera whose lease was taken, and fails over a node cut off from Redis", async () => {
    const run = camera();
    const cams = Array.from({ length: 8 }, (_, i) => run + i);
    const ids = [`asg-a-${run}`, `asg-b-${run}`];
    const connA = createRedis(inject("redisUrl"));
    const a = fakeNode(ids[0]!, connA, cams, 2000);
    const b = fakeNode(ids[1]!, redis, cams, 2000);
    try {
      await a.start();
      await b.start();
      const placed = () =>
        cams.every((c) => (rendezvousOwner(c, ids) === ids[0] ? a : b).running.has(c)) &&
        a.running.size + b.running.size === cams.length;
      await until("the split", 10_000, async () => placed());
      const ofA = [...a.running];
      expect(ofA.length).toBeGreaterThan(0);
      expect(b.running.size).toBeGreaterThan(0);

      // Another holder's value in a's lease: a stops that camera at its next renewal (TTL/5).
      const stolen = ofA[0]!;
      await redis.set(REDIS_KEYS.ingestLease(stolen), "999999:intruder", "PX", 3000);
      await until("a to stop the stolen camera", 3000, async () => !a.running.has(stolen));
      expect(a.assigner.leaseMoves().lost).toBe(1);
      await until("a to take it back after the intruder's lease expired", 8000, async () =>
        a.running.has(stolen),
      );

      // a loses Redis: its watchdog stops every camera within TTL/2 of the last renewal, before any
      // lease expires; then b, alone in the node set, runs them all.
      const cut = Date.now();
      connA.disconnect();
      await until("a to stop everything", 3000, async () => a.running.size === 0);
      const stoppedAt = Math.max(...a.events.filter((e) => e.what === "stop").map((e) => e.at));
      expect(stoppedAt - cut).toBeLessThan(2000);
      await until("b to run every camera", 10_000, async () => b.running.size === cams.length);
      for (const c of cams) {
        const lastStopA = Math.max(
          ...a.events.filter((e) => e.cameraId === c && e.what === "stop").map((e) => e.at),
          0,
        );
        const lastStartB = Math.max(
          ...b.events.filter((e) => e.cameraId === c && e.what === "start").map((e) => e.at),
        );
        // Never two at once: b started each of a's cameras only after a had stopped it.
        if (lastStopA > 0) expect(lastStartB).toBeGreaterThanOrEqual(lastStopA);
      }
      expect(b.assigner.leaseMoves().acquired).toBeGreaterThanOrEqual(cams.length);
    } finally {
      await b.assigner.stop();
      await a.assigner.stop().catch(() => {});
      connA.disconnect();
    }
    // A clean stop releases the leases and leaves the node set.
    for (const c of cams) expect(await redis.exists(REDIS_KEYS.ingestLease(c))).toBe(0);
    expect(await redis.zscore(REDIS_KEYS.ingestNodes, ids[1]!)).toBeNull();
  }, 40_000);
});
