/**
 * The API process killed with SIGKILL while alerts flow — the real `mingfang serve --roles api` binary
 * on real PostgreSQL and Redis, not a worker closed inside the test process. Whatever the dead process
 * had taken from the queue (committed or not) comes back to the restarted one once its lock lapses:
 * every queued alert is stored exactly once, with one `alert.created` event, and no job fails.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRedis, Keyring, type Redis } from "@mingfang/core";
import { migrateToLatest, openDatabase, seedDemoUsers, seedReferenceData } from "@mingfang/db";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/pg.js";
import {
  alertProducer,
  camerasOfTwoStations,
  makeAlert,
  waitUntil,
} from "../../../../test/support/alert-fixtures.js";
import { DEMO_PASSWORD } from "../../../../test/support/harness.js";

const CLI = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));
const pgUrl = inject("pgUrl");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(pgUrl === null)("alert pipeline: the API process SIGKILLed", () => {
  let tdb: TestDatabase;
  let dataDir: string;
  let redisUrl: string;
  let redis: Redis;
  const secret = randomBytes(32).toString("hex");
  const children: ChildProcess[] = [];
  /** The tail of what the API processes printed, shown when a wait fails. */
  let log = "";
  const waitFor = (cond: () => Promise<boolean>, ms: number, what: string) =>
    waitUntil(cond, ms, what).catch((err: Error) => {
      throw new Error(`${err.message}; the API printed:\n${log}`);
    });

  beforeAll(async () => {
    tdb = await createTestDatabase(pgUrl as string);
    dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-sigkill-"));
    // A database index of its own on the run's Redis: the CLI uses no key prefix.
    const u = new URL(inject("redisUrl"));
    u.pathname = "/9";
    redisUrl = u.toString();
    redis = createRedis(redisUrl);
    await redis.flushdb();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    redis?.disconnect();
    await tdb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startApi(port: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, [CLI, "serve", "--roles", "api"], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: tdb.url,
        REDIS_URL: redisUrl,
        MINGFANG_SECRET: secret,
        MINGFANG_ADMIN_PASSWORD: "admin-password-1",
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        // Every job its own alert: nothing folded, so each one must be found as a row.
        ALERT_COOLDOWN_MINUTES: "0",
        // The dead process's jobs come back within about twice this (the default 30 s would make it a minute).
        ALERT_JOB_LOCK_SECONDS: "4",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (d: Buffer) => {
      log = (log + d.toString()).slice(-6000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    children.push(child);
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`mingfang serve exited: ${log}`);
        const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return r?.status === 200;
      },
      60_000,
      "API ready",
    );
    return child;
  }

  it("stores every queued alert once after a SIGKILL mid-flow, and fails none", async () => {
    const db = await openDatabase({ databaseUrl: tdb.url, dataDir });
    try {
      await migrateToLatest(db.db);
      await seedReferenceData(db.db, { credentialsKey: new Keyring(secret).credentials });
      await seedDemoUsers(db.db, DEMO_PASSWORD);
      const [A, B] = await camerasOfTwoStations(db.db);
      const port = await freePort();
      const first = await startApi(port);

      const producer = alertProducer(redis);
      const jobs = await Promise.all(
        Array.from({ length: 80 }, (_, i) =>
          makeAlert(redis, i % 3 === 2 ? B.cameraId : A.cameraId, { evidence: i % 2 === 0 }),
        ),
      );
      const ids = jobs.map((j) => j.id);
      const stored = async () =>
        (await db.db.selectFrom("alerts").select("id").where("id", "in", ids).execute()).length;
      try {
        const flowing = (async () => {
          for (const j of jobs) {
            await producer.add(j);
            await new Promise((r) => setTimeout(r, 10));
          }
        })();
        await waitFor(async () => (await stored()) >= 15, 30_000, "first alerts stored");
        first.kill("SIGKILL");
        await new Promise((r) => first.once("exit", r));
        const atKill = await stored();
        expect(atKill).toBeLessThan(jobs.length); // the kill did land mid-flow

        await startApi(port);
        await flowing;
        // Jobs the dead process held come back when their lock lapses (BullMQ's stalled check, ≤ 2 × 4 s).
        await waitFor(async () => (await stored()) === jobs.length, 120_000, "every alert stored");
        await waitFor(
          async () => {
            const c = await producer.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
            return Object.values(c).every((n) => n === 0);
          },
          90_000,
          "queue drained",
        );
        expect((await producer.queue.getJobCounts("failed")).failed).toBe(0);
        const events = await db.db
          .selectFrom("events")
          .select("payload")
          .where("kind", "=", "alert.created")
          .execute();
        const eventIds = events.map((e) => (e.payload as { id: string }).id).sort();
        expect(eventIds).toEqual([...ids].sort());
      } finally {
        await producer.close();
      }
    } finally {
      await db.close();
    }
  }, 300_000);
});
