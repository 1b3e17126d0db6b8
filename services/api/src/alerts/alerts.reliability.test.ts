/**
 * Reliability of the alert pipeline with the real engines: the API killed while alerts flow, Redis
 * restarted (a private Redis with AOF), the database down. Nothing queued or accepted is lost, nothing
 * is stored twice, and a console that reconnects with `since` sees every alert once, in order.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildApp } from "@mingfang/api";
import { createLogger, createRedis, Keyring, loadConfig, type Redis } from "@mingfang/core";
import { type Db, migrateToLatest, openDatabase, seedDemoUsers, seedReferenceData } from "@mingfang/db";
import { startPrivateRedis } from "@mingfang/process";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase } from "../../../../test/pg.js";
import {
  alertProducer,
  camerasOfTwoStations,
  makeAlert,
  type StationCamera,
  WsProbe,
  waitUntil,
} from "../../../../test/support/alert-fixtures.js";
import { DEMO_PASSWORD, openTestDb } from "../../../../test/support/harness.js";
import type { AlertsOptions } from "./alerts.options.js";

const secret = randomBytes(32).toString("hex");
const logger = createLogger({ level: "silent" });

const FAST: Partial<AlertsOptions> = {
  lockDurationMs: 1500,
  stalledIntervalMs: 500,
  sweepMs: 500,
  cooldownMinutes: 0,
  intakeConcurrency: 4,
};

async function startApi(opts: {
  db: Db;
  ping: (ms?: number) => Promise<boolean>;
  redis: Redis;
  dataDir: string;
}): Promise<{ app: FastifyInstance; base: string }> {
  const config = loadConfig({ MINGFANG_SECRET: secret, LOG_LEVEL: "silent", DATA_DIR: opts.dataDir });
  const app = await buildApp({
    config,
    db: opts.db,
    pingDb: opts.ping,
    redis: opts.redis,
    keyring: new Keyring(secret),
    logger,
    alerts: FAST,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  return { app, base: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` };
}

async function login(app: FastifyInstance, username: string): Promise<string> {
  const res = await app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username, password: DEMO_PASSWORD },
  });
  const c = res.cookies.find((x) => x.name === "mingfang_session");
  if (!c) throw new Error(`login ${username}: ${res.statusCode}`);
  return `mingfang_session=${c.value}`;
}

async function seed(db: Db): Promise<[StationCamera, StationCamera]> {
  await seedReferenceData(db, { credentialsKey: new Keyring(secret).credentials });
  await seedDemoUsers(db, DEMO_PASSWORD);
  return camerasOfTwoStations(db);
}

const storedIds = async (db: Db, ids: string[]) =>
  (await db.selectFrom("alerts").select("id").where("id", "in", ids).execute()).map((r) => r.id);

describe("alert pipeline reliability", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-reliability-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("API killed while alerts flow: every queued alert stored once; the console resyncs with since", async () => {
    const dbh = await openTestDb("pglite");
    const redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
    const [A, B] = await seed(dbh.db);
    const producer = alertProducer(redis);
    try {
      let api = await startApi({ db: dbh.db, ping: dbh.ping, redis, dataDir });
      const cookie = await login(api.app, `${A.stationCode}.duty`);
      const ws1 = await WsProbe.open(api.base, cookie);
      await ws1.waitFor((p) => p.messages.length > 0);

      const jobs = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          makeAlert(redis, i % 3 === 2 ? B.cameraId : A.cameraId, { evidence: i % 2 === 0 }),
        ),
      );
      const flowing = (async () => {
        for (const j of jobs) {
          await producer.add(j);
          await new Promise((r) => setTimeout(r, 15));
        }
      })();
      await waitUntil(
        async () =>
          (
            await storedIds(
              dbh.db,
              jobs.map((j) => j.id),
            )
          ).length >= 10,
        20_000,
      );
      // Kill: the workers stop at once (jobs in flight keep their lock and are retried elsewhere), the
      // consoles lose their socket, the app goes away.
      await api.app.alertWorkers.close(true);
      ws1.socket.terminate();
      await api.app.close();
      const since = ws1.lastSeq();

      api = await startApi({ db: dbh.db, ping: dbh.ping, redis, dataDir });
      await flowing;
      const ids = jobs.map((j) => j.id);
      await waitUntil(async () => (await storedIds(dbh.db, ids)).length === ids.length, 30_000, "all alerts");
      // Jobs that the killed worker had committed but not acknowledged come back after their lock
      // lapses and complete as duplicates.
      await waitUntil(
        async () => {
          const c = await producer.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
          return Object.values(c).every((n) => n === 0);
        },
        20_000,
        "queue drained",
      );
      expect((await producer.queue.getJobCounts("failed")).failed).toBe(0);

      const ws2 = await WsProbe.open(api.base, await login(api.app, `${A.stationCode}.duty`), since);
      await ws2.waitFor((p) => p.messages.some((m) => m.type === "synced"));
      const mine = jobs.filter((j) => j.cameraId === A.cameraId).map((j) => j.id);
      // What the console saw over both connections: each of its station's alerts once, in seq order.
      const seen = [...ws1.events("alert.created"), ...ws2.events("alert.created")];
      expect(seen.map((e) => e.payload?.id).sort()).toEqual([...mine].sort());
      const seqs = seen.map((e) => BigInt(e.seq!));
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
      expect(seen.every((e) => e.stationId === A.stationId)).toBe(true);
      // And one event per alert in the log.
      const logged = await dbh.db
        .selectFrom("events")
        .select("payload")
        .where("kind", "=", "alert.created")
        .execute();
      expect(logged).toHaveLength(jobs.length);
      await ws2.close();
      await api.app.close();
    } finally {
      await producer.close();
      redis.disconnect();
      await dbh.close();
    }
  }, 90_000);

  it("Redis restarted (AOF): producers retry, and nothing Redis had accepted is lost", async () => {
    const dbh = await openTestDb("pglite");
    const redisDir = path.join(dataDir, "redis-restart");
    let priv = await startPrivateRedis({ dir: redisDir });
    const redis = createRedis(priv.url);
    redis.on("error", () => {});
    let reconnects = 0;
    redis.on("reconnecting", () => reconnects++);
    const [A] = await seed(dbh.db);
    const producer = alertProducer(redis);
    const api = await startApi({ db: dbh.db, ping: dbh.ping, redis, dataDir });
    try {
      const accepted: string[] = [];
      let retries = 0;
      const flowing = (async () => {
        for (let i = 0; i < 60; i++) {
          const job = await makeAlert(redis, A.cameraId, { evidence: false });
          // A producer retries until Redis takes the job (the analytics worker does the same).
          for (;;) {
            try {
              await Promise.race([
                producer.add(job),
                new Promise((_, rej) => setTimeout(() => rej(new Error("add timed out")), 2000)),
              ]);
              accepted.push(job.id);
              break;
            } catch {
              retries++;
              await new Promise((r) => setTimeout(r, 200));
            }
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await waitUntil(() => accepted.length >= 20, 20_000, "first alerts");
      await priv.stop(); // SIGTERM: Redis writes its AOF and exits
      await new Promise((r) => setTimeout(r, 1000));
      priv = await startPrivateRedis({ dir: redisDir, port: priv.port });
      await flowing;
      expect(accepted).toHaveLength(60);
      await waitUntil(
        async () => (await storedIds(dbh.db, accepted)).length === 60,
        40_000,
        "every accepted alert",
      );
      // Redis was really gone meanwhile (the clients reconnected; adds waited or were retried).
      expect(reconnects).toBeGreaterThan(0);
      void retries;
      const counts = await producer.queue.getJobCounts("failed");
      expect(counts.failed).toBe(0);
    } finally {
      await api.app.close();
      await producer.close();
      redis.disconnect();
      await priv.stop();
      await dbh.close();
    }
  }, 120_000);

  const pgUrl = inject("pgUrl");
  it.runIf(pgUrl)(
    "database down: /readyz fails, alerts wait in the queue and are stored when it is back",
    async () => {
      const tdb = await createTestDatabase(pgUrl!);
      const admin = new pg.Client({ connectionString: pgUrl! });
      await admin.connect();
      const dbh = await openDatabase({ dataDir: "", databaseUrl: tdb.url });
      await migrateToLatest(dbh.db);
      const redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
      const [A] = await seed(dbh.db);
      const producer = alertProducer(redis);
      const api = await startApi({ db: dbh.db, ping: dbh.ping, redis, dataDir });
      try {
        expect((await api.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
        await admin.query(`ALTER DATABASE "${tdb.name}" ALLOW_CONNECTIONS false`);
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [tdb.name],
        );
        const ready = await api.app.inject({ method: "GET", url: "/readyz" });
        expect(ready.statusCode).toBe(503);
        expect(ready.json()).toMatchObject({ database: false, redis: true });

        const jobs = await Promise.all(
          Array.from({ length: 10 }, () => makeAlert(redis, A.cameraId, { evidence: false })),
        );
        for (const j of jobs) await producer.add(j);
        await new Promise((r) => setTimeout(r, 3000));
        const waiting = await producer.queue.getJobCounts("failed", "completed");
        expect(waiting).toEqual({ failed: 0, completed: 0 });

        await admin.query(`ALTER DATABASE "${tdb.name}" ALLOW_CONNECTIONS true`);
        await waitUntil(
          async () =>
            (
              await storedIds(
                dbh.db,
                jobs.map((j) => j.id),
              ).catch(() => [])
            ).length === jobs.length,
          30_000,
          "alerts stored after the database came back",
        );
        expect((await api.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
        expect((await producer.queue.getJobCounts("failed")).failed).toBe(0);
      } finally {
        await admin.query(`ALTER DATABASE "${tdb.name}" ALLOW_CONNECTIONS true`).catch(() => {});
        await api.app.close();
        await producer.close();
        redis.disconnect();
        await dbh.close();
        await admin.end();
        await tdb.drop();
      }
    },
    90_000,
  );
});
