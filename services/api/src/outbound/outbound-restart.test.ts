/**
 * Outbound across a restart: an event committed while no API process ran (here: written straight to the
 * events log between two apps on the same database and Redis) is relayed by the next process from the
 * Redis cursor; what was already delivered is not delivered again.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildApp } from "@mingfang/api";
import { createLogger, createRedis, Keyring, loadConfig, type Redis } from "@mingfang/core";
import { ensureAdmin, seedDemoUsers, seedReferenceData } from "@mingfang/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openTestDb } from "../../../../test/support/harness.js";
import { EventBus } from "../events/event-bus.js";

const SECRET = "restart-test-secret-0123456789";
let server: http.Server;
let port = 0;
const received: { delivery: string; kind: string; data: { id?: string } }[] = [];
let dataDir: string;
let dbh: Awaited<ReturnType<typeof openTestDb>>;
let redis: Redis;
const platformSecret = randomBytes(32).toString("hex");
const logger = createLogger({ level: "silent" });

async function startApp(): Promise<FastifyInstance> {
  const config = loadConfig({
    MINGFANG_SECRET: platformSecret,
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    OUTBOUND_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
    OUTBOUND_WEBHOOK_SECRET: SECRET,
    OUTBOUND_BACKOFF_MS: "50",
  });
  const app = await buildApp({
    config,
    db: dbh.db,
    pingDb: dbh.ping,
    redis,
    keyring: new Keyring(platformSecret),
    logger,
    alerts: { workers: false },
  });
  await app.ready();
  return app;
}

async function until(what: string, cond: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-outbound-restart-"));
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      received.push({
        delivery: String(req.headers["x-mingfang-delivery"]),
        kind: body.kind,
        data: body.data,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  dbh = await openTestDb("pglite");
  await seedReferenceData(dbh.db, { credentialsKey: new Keyring(platformSecret).credentials });
  await seedDemoUsers(dbh.db, "demo-test-password");
  await ensureAdmin(dbh.db, "admin-test-password");
  redis = createRedis(inject("redisUrl"), { keyPrefix: `t${randomBytes(4).toString("hex")}:` });
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  redis?.disconnect();
  await dbh?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("outbound across a restart", () => {
  it("relays what was committed while no process ran, and nothing twice", async () => {
    const station = await dbh.db
      .selectFrom("stations")
      .select(["id", "code"])
      .orderBy("id")
      .executeTakeFirstOrThrow();
    const publishDirect = async (id: string) => {
      const bus = new EventBus({ db: dbh.db, redis, logger });
      await bus.publish(dbh.db, "case.updated", station.id, {
        id,
        state: "dispatched",
        assignedBrigade: false,
      });
      await bus.close();
    };

    // First process: sets the cursor and relays a live event.
    let app = await startApp();
    const live = randomUUID();
    await publishDirect(live);
    await until("the live event", () => received.some((r) => r.data.id === live));
    await app.close();

    // Nobody runs: an event is committed.
    const missed = randomUUID();
    await publishDirect(missed);
    await new Promise((r) => setTimeout(r, 200));
    expect(received.some((r) => r.data.id === missed)).toBe(false);

    // Second process: catches up from the cursor.
    app = await startApp();
    await until("the missed event", () => received.some((r) => r.data.id === missed));
    const another = randomUUID();
    await publishDirect(another);
    await until("a new live event", () => received.some((r) => r.data.id === another));
    await new Promise((r) => setTimeout(r, 300));
    await app.close();

    const ids = received.map((r) => r.data.id);
    expect(ids.filter((x) => x === live)).toHaveLength(1);
    expect(ids.filter((x) => x === missed)).toHaveLength(1);
    expect(ids.filter((x) => x === another)).toHaveLength(1);
    expect(received.find((r) => r.data.id === missed)!.kind).toBe("case.updated");
  });
});
