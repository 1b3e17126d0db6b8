/**
 * A clip is finished even when the API restarts in its window: the alert is taken by one API, which is
 * closed before the clip is due; another API on the same database and Redis cuts it from the segments the
 * camera kept writing meanwhile.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildApp } from "@mingfang/api";
import { createLogger, createRedis, Keyring, loadConfig, type Redis } from "@mingfang/core";
import { seedDemoUsers, seedReferenceData } from "@mingfang/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { type HlsProducer, startHlsProducer } from "../../../../test/recordings/hls-producer.js";
import {
  alertProducer,
  camerasOfTwoStations,
  makeAlert,
  waitUntil,
} from "../../../../test/support/alert-fixtures.js";
import { backends, DEMO_PASSWORD, openTestDb } from "../../../../test/support/harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const secret = randomBytes(32).toString("hex");
const logger = createLogger({ level: "silent" });

describe("a clip across an API restart", () => {
  let dbh: Awaited<ReturnType<typeof openTestDb>>;
  let redis: Redis;
  let dataDir: string;
  let hls: HlsProducer | undefined;
  const apps: FastifyInstance[] = [];

  const start = async () => {
    const config = loadConfig({
      MINGFANG_SECRET: secret,
      LOG_LEVEL: "silent",
      DATA_DIR: dataDir,
      CLIP_PRE_SECONDS: "3",
      CLIP_POST_SECONDS: "8",
    });
    const app = await buildApp({
      config,
      db: dbh.db,
      pingDb: dbh.ping,
      redis,
      keyring: new Keyring(secret),
      logger,
      alerts: { sweepMs: 500 },
    });
    await app.ready();
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mf-clip-restart-"));
    dbh = await openTestDb(backends().at(-1)!);
    await seedReferenceData(dbh.db, { credentialsKey: new Keyring(secret).credentials });
    await seedDemoUsers(dbh.db, DEMO_PASSWORD);
    redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
  });
  afterAll(async () => {
    await hls?.stop();
    for (const a of apps) await a.close().catch(() => {});
    redis?.disconnect();
    await dbh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the second API finishes the clip the first one scheduled", async () => {
    const [A] = await camerasOfTwoStations(dbh.db);
    hls = startHlsProducer(path.join(dataDir, "media", "hls"), A.cameraId);
    await hls.waitSegments(4);
    const first = await start();
    const producer = alertProducer(redis);
    const job = await makeAlert(redis, A.cameraId);
    await producer.add(job);
    await producer.close();
    const clip = () =>
      dbh.db.selectFrom("alert_clips").selectAll().where("alert_id", "=", job.id).executeTakeFirst();
    await waitUntil(async () => (await clip())?.status === "pending", 20_000, "the pending clip");
    // Down in the middle of the window (8 s after the alert, and the margin).
    await first.close();
    expect((await clip())?.status).toBe("pending");
    const second = await start();
    await waitUntil(async () => (await clip())?.status !== "pending", 60_000, "the clip after the restart");
    const row = (await clip())!;
    expect(row.status).toBe("ready");
    const at = new Date(job.capturedAt).getTime();
    expect(new Date(row.started_at!).getTime()).toBeLessThanOrEqual(at - 3000 + 1000);
    expect(new Date(row.ended_at!).getTime()).toBeGreaterThanOrEqual(at + 8000 - 1000);
    // The second API serves it.
    const login = await second.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: `${A.stationCode}.duty`, password: DEMO_PASSWORD },
    });
    const cookie = `mingfang_session=${login.cookies.find((c) => c.name === "mingfang_session")!.value}`;
    const view = (await second.inject({ url: `/api/alerts/${job.id}/clip`, headers: { cookie } })).json();
    const mp4 = await second.inject({ url: view.url });
    expect(mp4.statusCode).toBe(200);
    expect(mp4.rawPayload.length).toBe(Number(row.bytes));
  });
});
