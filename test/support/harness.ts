/**
 * Builds the real API on a real database (PGlite in memory, or a fresh PostgreSQL database) and the
 * run's private Redis, seeded with the 18 stations, the 42 pilot workshops and the demo users.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { buildApp } from "@mingfang/api";
import { type Config, createLogger, createRedis, Keyring, loadConfig, type Redis } from "@mingfang/core";
import {
  type Db,
  ensureAdmin,
  migrateToLatest,
  openDatabase,
  seedDemoUsers,
  seedReferenceData,
} from "@mingfang/db";
import type { FastifyInstance } from "fastify";
import { inject } from "vitest";
import { createTestDatabase } from "../pg.js";

export type Backend = "pglite" | "postgres";
export const ADMIN_PASSWORD = "admin-test-password";
export const DEMO_PASSWORD = "demo-test-password";

export function backends(): Backend[] {
  return inject("pgUrl") ? ["pglite", "postgres"] : ["pglite"];
}

export async function openTestDb(
  backend: Backend,
): Promise<{ db: Db; ping: () => Promise<boolean>; close(): Promise<void> }> {
  if (backend === "pglite") {
    const h = await openDatabase({ dataDir: "", pgliteDir: "memory://" });
    await migrateToLatest(h.db);
    return { db: h.db, ping: () => h.ping(), close: () => h.close() };
  }
  const adminUrl = inject("pgUrl");
  if (!adminUrl) throw new Error("no PostgreSQL for the tests");
  const t = await createTestDatabase(adminUrl);
  const h = await openDatabase({ dataDir: "", databaseUrl: t.url });
  await migrateToLatest(h.db);
  return {
    db: h.db,
    ping: () => h.ping(),
    close: async () => {
      await h.close();
      await t.drop();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  redis: Redis;
  keyring: Keyring;
  config: Config;
  /** Every log line the app wrote. */
  logs: string[];
  /** Signs in and returns the Cookie header value. */
  login(username: string, password?: string): Promise<string>;
  stationId(code: string): Promise<number>;
  close(): Promise<void>;
}

export async function buildTestApp(
  opts: {
    backend?: Backend;
    env?: Record<string, string>;
    seed?: boolean;
    /** Alert pipeline tunables (ApiDeps.alerts). */
    alerts?: Parameters<typeof buildApp>[0]["alerts"];
    /** Recordings (ApiDeps.recordings): `workers: false` runs no recorder, clip or retention workers. */
    recordings?: Parameters<typeof buildApp>[0]["recordings"];
  } = {},
): Promise<TestApp> {
  const backend = opts.backend ?? "pglite";
  const config = loadConfig({
    MINGFANG_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: "debug",
    DATA_DIR: "/nonexistent",
    ...opts.env,
  });
  const keyring = new Keyring(config.MINGFANG_SECRET!);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: "debug" }, sink);
  const dbh = await openTestDb(backend);
  // Each app gets its own key space in the run's shared Redis.
  const redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
  if (opts.seed !== false) {
    await seedReferenceData(dbh.db, { credentialsKey: keyring.credentials });
    await seedDemoUsers(dbh.db, DEMO_PASSWORD);
    await ensureAdmin(dbh.db, ADMIN_PASSWORD);
  }
  const app = await buildApp({
    config,
    db: dbh.db,
    pingDb: dbh.ping,
    redis,
    keyring,
    logger,
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
    ...(opts.recordings ? { recordings: opts.recordings } : {}),
  });
  await app.ready();
  const passwords: Record<string, string> = { admin: ADMIN_PASSWORD };
  return {
    app,
    db: dbh.db,
    redis,
    keyring,
    config,
    logs,
    async login(username, password) {
      const res = await app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { username, password: password ?? passwords[username] ?? DEMO_PASSWORD },
      });
      if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
      const c = res.cookies.find((x) => x.name === "mingfang_session");
      if (!c) throw new Error("no session cookie");
      return `mingfang_session=${c.value}`;
    },
    async stationId(code) {
      const s = await dbh.db
        .selectFrom("stations")
        .select("id")
        .where("code", "=", code)
        .executeTakeFirstOrThrow();
      return s.id;
    },
    async close() {
      await app.close();
      redis.disconnect();
      await dbh.close();
    },
  };
}
