/**
 * `GET /api/system/status` on the real app: bureau admin only (403 for every other role, 401 without a
 * session), the TypeBox shape, and real values this test puts in Redis and on disk — camera statuses
 * as the ingest writes them, analytics workers' stats (fresh, stale), jobs waiting on `frames`, media
 * files under DATA_DIR.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AnalyticsStats, type CameraStatus, QUEUES, REDIS_KEYS, SystemStatus } from "@mingfang/core";
import { Queue } from "bullmq";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { queueConnection, queuePrefix } from "../queues/queue-connections.js";
import { combineStats } from "./analytics-stats.js";
import { folderSize } from "./disk-usage.js";

let t: TestApp;
let dataDir: string;
let frames: Queue;
let admin = "";
let cameraIds: number[] = [];

function status(cameraId: number, s: CameraStatus["status"]): CameraStatus {
  const now = new Date().toISOString();
  return {
    cameraId,
    status: s,
    state: s === "online" ? "live" : "backoff",
    fps: s === "online" ? 25 : null,
    bitrateKbps: null,
    lastFrameAt: now,
    lastError: s === "online" ? null : "connection refused",
    since: now,
    restarts: 0,
    updatedAt: now,
    // The online one is run by a node of a shared ingest (leases), the others report no node.
    ...(s === "online" ? { node: "ingest-a" } : {}),
  };
}

function stats(worker: string, over: Partial<AnalyticsStats>): AnalyticsStats {
  return {
    worker,
    at: new Date().toISOString(),
    intervalSeconds: 5,
    framesPerSecond: 2,
    frameMs: 40,
    modelMs: { person: 20 },
    lagSeconds: 0.5,
    analysed: 100,
    failed: 1,
    alerts: 3,
    ...over,
  };
}

const get = (cookie?: string) =>
  t.app.inject({ method: "GET", url: "/api/system/status", headers: cookie ? { cookie } : {} });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-system-"));
  mkdirSync(path.join(dataDir, "media", "evidence", "2026"), { recursive: true });
  writeFileSync(path.join(dataDir, "media", "evidence", "2026", "a.jpg"), Buffer.alloc(1000));
  writeFileSync(path.join(dataDir, "media", "b.jpg"), Buffer.alloc(234));
  t = await buildTestApp({ env: { DATA_DIR: dataDir }, alerts: { workers: false } });
  admin = await t.login("admin");
  const cams = await t.db.selectFrom("cameras").select(["id"]).orderBy("id").execute();
  cameraIds = cams.map((c) => c.id);
  await t.db.updateTable("cameras").set({ enabled: false }).where("id", "=", cameraIds[3]!).execute();
  await t.redis.set(REDIS_KEYS.cameraStatus(cameraIds[0]!), JSON.stringify(status(cameraIds[0]!, "online")));
  await t.redis.set(REDIS_KEYS.cameraStatus(cameraIds[1]!), JSON.stringify(status(cameraIds[1]!, "offline")));
  await t.redis.set(REDIS_KEYS.cameraStatus(cameraIds[2]!), "not json");
  const old = new Date(Date.now() - 60_000).toISOString();
  await t.redis.hset(
    REDIS_KEYS.analyticsStats,
    "w1",
    JSON.stringify(stats("w1", { framesPerSecond: 3, frameMs: 40 })),
    "w2",
    JSON.stringify(stats("w2", { framesPerSecond: 1, frameMs: 80, lagSeconds: 2 })),
    "gone",
    JSON.stringify(stats("gone", { at: old, framesPerSecond: 50 })),
  );
  frames = new Queue(QUEUES.frames, { connection: queueConnection(t.redis), prefix: queuePrefix(t.redis) });
  await frames.add("frame", { cameraId: 1 }, { timestamp: Date.now() - 30_000 });
  await frames.add("frame", { cameraId: 2 });
});

afterAll(async () => {
  await frames?.obliterate({ force: true }).catch(() => undefined);
  await frames?.close();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("GET /api/system/status", () => {
  it("is the bureau admin's only: 401 without a session, 403 for the other roles", async () => {
    expect((await get()).statusCode).toBe(401);
    for (const u of ["mingshui.duty", "mingshui.staff", "brigade"]) {
      const res = await get(await t.login(u));
      expect(res.statusCode, u).toBe(403);
      expect(res.json().error).toBe("forbidden");
    }
  });

  it("answers the schema's shape with the values in Redis, BullMQ and on disk", async () => {
    const res = await get(admin);
    expect(res.statusCode).toBe(200);
    const body = res.json() as SystemStatus;
    expect(Value.Check(SystemStatus, body)).toBe(true);

    // Cameras: every camera of the database; unknown = enabled without a (valid) report.
    expect(body.cameras.total).toBe(cameraIds.length);
    expect(body.cameras.items.map((c) => c.id).sort((a, b) => a - b)).toEqual(cameraIds);
    expect(body.cameras.byStatus).toMatchObject({
      online: 1,
      offline: 1,
      disabled: 1,
      stalled: 0,
      unknown: cameraIds.length - 3,
    });
    const online = body.cameras.items.find((c) => c.id === cameraIds[0])!;
    expect(online).toMatchObject({ status: "online", state: "live", fps: 25, node: "ingest-a" });
    expect(online.workshopName).not.toBe("");
    expect(body.cameras.items.find((c) => c.id === cameraIds[1])).toMatchObject({
      status: "offline",
      lastError: "connection refused",
      node: null,
    });

    // Analytics: the two fresh workers combined; the stale one ignored and removed.
    expect(body.analytics).toMatchObject({ workers: 2, framesPerSecond: 4, frameMs: 50, lagSeconds: 2 });
    expect(body.analytics.analysed).toBe(200);
    expect(await t.redis.hexists(REDIS_KEYS.analyticsStats, "gone")).toBe(0);

    // Queues: the two frames waiting, the oldest 30 s old.
    expect(body.queues.map((q) => q.name)).toEqual(["frames", "alerts", "escalations"]);
    const f = body.queues.find((q) => q.name === "frames")!;
    expect(f).toMatchObject({ waiting: 2, active: 0, delayed: 0, failed: 0 });
    expect(f.oldestWaitingSeconds).toBeGreaterThanOrEqual(29);
    expect(f.oldestWaitingSeconds).toBeLessThan(60);
    expect(body.queues.find((q) => q.name === "alerts")?.oldestWaitingSeconds).toBeNull();

    // Disk: the file system of DATA_DIR and the media folder's bytes.
    expect(body.disk.totalBytes).toBeGreaterThan(0);
    expect(body.disk.freeBytes).toBeGreaterThan(0);
    expect(body.disk).toMatchObject({ mediaBytes: 1234, mediaPartial: false });

    expect(body.websocket.clients).toBe(0);
    expect(body.events.seq).toMatch(/^\d+$/);
    expect(body.process.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.process.rssBytes).toBeGreaterThan(0);
  });

  it("reports no analytics when no worker reports", () => {
    expect(combineStats([])).toMatchObject({
      workers: 0,
      framesPerSecond: 0,
      frameMs: null,
      lagSeconds: null,
    });
  });

  it("stops the media walk at its file limit and says so", async () => {
    expect(await folderSize(path.join(dataDir, "media"), 2)).toMatchObject({ partial: true });
    expect(await folderSize(path.join(dataDir, "nope"))).toEqual({ bytes: 0, partial: false });
  });
});
