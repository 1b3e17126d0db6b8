/**
 * The camera lease scripts against a real Redis: a held lease cannot be taken; fencing tokens only grow;
 * a node whose lease expired and was taken can neither renew nor release the new holder's lease, nor
 * write the camera's status; a node id with the separator is refused.
 */
import { randomInt } from "node:crypto";
import { type CameraStatus, createRedis, REDIS_KEYS, type Redis } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CameraLeases, FencedStatusSink, type Lease } from "./lease.js";
import { NodeRegistry } from "./node-registry.js";

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
