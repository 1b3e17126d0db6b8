/**
 * Several API instances behind one address (issue 16, section 4; the migration lock of section 5): two
 * real `mingfang serve --roles api` processes (the built CLI) on one fresh PostgreSQL database, one Redis
 * (a database index of its own on the run's private Redis: the CLI uses no key prefix), one secret, one
 * DATA_DIR (the shared media volume), two ports. Nothing is shared but PostgreSQL, Redis and the files:
 *
 * - both start at the same moment on the empty database: the migrations run once (Kysely's lock, a
 *   PostgreSQL advisory lock), the schema is the one a single process makes, the first admin is made once;
 * - a session made on A works on B; signing out on A ends it on B (REST at once, an open console at its
 *   next heartbeat); sign-in failures count across both, simultaneous guesses included;
 * - a console on B receives the events caused through A, in seq order; a console of A that reconnects to
 *   B with its last seq is replayed what it missed, then live;
 * - a camera status change heard by both is one `camera.status` event, not one per instance;
 * - an escalation fires once: the delayed job in one instance, or the sweep both run (the jobs of half of
 *   the alerts are removed, as a Redis without AOF would lose them).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRedis, Keyring, QUEUES, REDIS_KEYS, type Redis } from "@mingfang/core";
import {
  type DatabaseHandle,
  MIGRATIONS,
  migrateToLatest,
  openDatabase,
  seedDemoUsers,
  seedReferenceData,
} from "@mingfang/db";
import { findFreePort } from "@mingfang/process";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { queueConnection, queuePrefix } from "../../services/api/src/queues/queue-connections.js";
import { createTestDatabase, type TestDatabase } from "../pg.js";
import {
  alertProducer,
  camerasOfTwoStations,
  makeAlert,
  type StationCamera,
  type WsMessage,
  WsProbe,
  waitUntil,
} from "../support/alert-fixtures.js";
import { DEMO_PASSWORD } from "../support/harness.js";
import { schemaSnapshot } from "../support/schema-snapshot.js";

const CLI = fileURLToPath(new URL("../../services/cli/dist/main.js", import.meta.url));
const pgUrl = inject("pgUrl");
/** A Redis database index of its own (alerts.sigkill.test.ts uses 9). */
const REDIS_DB = 12;
const MAX_FAILURES = 4;
/** 6 s for every grade: short enough to watch, long enough to remove a delayed job first. */
const ACK_MINUTES = 0.1;

interface Api {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM (a rolling upgrade), then SIGKILL if it does not exit. */
  stop: () => Promise<void>;
}

function spawnApi(name: string, port: number, env: Record<string, string>): Api {
  const child = spawn(process.execPath, [CLI, "serve", "--roles", "api"], {
    env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await waitUntil(
      () => child.exitCode !== null || child.signalCode !== null,
      15_000,
      `API ${name} to stop`,
    ).catch(() => child.kill("SIGKILL"));
  };
  return { name, url: `http://127.0.0.1:${port}`, child, output: () => out, stop };
}

async function ready(api: Api): Promise<void> {
  await waitUntil(
    async () => {
      if (api.child.exitCode !== null)
        throw new Error(`API ${api.name} exited:\n${api.output().slice(-4000)}`);
      const r = await fetch(`${api.url}/readyz`).catch(() => undefined);
      return r?.status === 200;
    },
    90_000,
    `API ${api.name} ready`,
  );
}

/** The pino lines of a process's output with this message. */
function logLines(api: Api, msg: string): Record<string, unknown>[] {
  return api
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

async function login(api: Api, username: string, password: string) {
  const r = await fetch(`${api.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const set = r.headers.getSetCookie().find((c) => c.startsWith("mingfang_session="));
  return { status: r.status, cookie: set?.split(";")[0] ?? "" };
}

async function call(api: Api, cookie: string, method: string, url: string, body?: unknown) {
  const r = await fetch(`${api.url}${url}`, {
    method,
    headers: { cookie, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe.skipIf(pgUrl === null)("two API instances on one database and one Redis", () => {
  let tdb: TestDatabase;
  let dataDir: string;
  let redis: Redis;
  let db: DatabaseHandle;
  let a: Api;
  let b: Api;
  let S1: StationCamera;
  let S2: StationCamera;
  const probes: WsProbe[] = [];
  /** The duty officer's console on B whose session is ended on A (checked after its heartbeat). */
  let endedConsole: WsProbe;
  /** Alerts left unacknowledged for the escalation check, and how many lost their delayed job. */
  let escalating: string[] = [];
  let jobsRemoved = 0;
  let startedMs = 0;

  const dbEvents = async (after: string, upTo: string) =>
    (
      await db.db
        .selectFrom("events")
        .select(["seq", "kind"])
        .where("seq", ">", after)
        .where("seq", "<=", upTo)
        .orderBy("seq")
        .execute()
    ).map((e) => `${e.seq} ${e.kind}`);
  const topSeq = async () =>
    String(
      (
        await db.db
          .selectFrom("events")
          .select((eb) => eb.fn.max("seq").as("top"))
          .executeTakeFirstOrThrow()
      ).top ?? "0",
    );
  const seen = (p: WsProbe, after: string, upTo: string) =>
    p
      .events()
      .filter((m) => BigInt(m.seq!) > BigInt(after) && BigInt(m.seq!) <= BigInt(upTo))
      .map((m) => `${m.seq} ${m.kind}`);
  const adminPassword = () => {
    const printed = [a, b].flatMap((p) => /First admin created: admin \/ (\S+)/.exec(p.output())?.[1] ?? []);
    return printed[0] ?? "";
  };

  beforeAll(async () => {
    tdb = await createTestDatabase(pgUrl as string);
    dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-multi-api-"));
    const u = new URL(inject("redisUrl"));
    u.pathname = `/${REDIS_DB}`;
    redis = createRedis(u.toString());
    await redis.flushdb();
    const secret = randomBytes(32).toString("hex");
    const env = {
      DATABASE_URL: tdb.url,
      REDIS_URL: u.toString(),
      MINGFANG_SECRET: secret,
      DATA_DIR: dataDir,
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      ALERT_COOLDOWN_MINUTES: "0",
      ALERT_ACK_MINUTES: `${ACK_MINUTES},${ACK_MINUTES},${ACK_MINUTES}`,
      LOGIN_MAX_FAILURES_PER_USER: String(MAX_FAILURES),
      // Every attempt here comes from 127.0.0.1: the per-address limit is not the one under test.
      LOGIN_MAX_FAILURES_PER_IP: "200",
    };
    const [portA, portB] = [await findFreePort(), await findFreePort()];
    // The same moment, the same empty database.
    const t0 = Date.now();
    a = spawnApi("A", portA, env);
    b = spawnApi("B", portB, env);
    await Promise.all([ready(a), ready(b)]);
    startedMs = Date.now() - t0;

    db = await openDatabase({ databaseUrl: tdb.url, dataDir });
    await seedReferenceData(db.db, { credentialsKey: new Keyring(secret).credentials });
    await seedDemoUsers(db.db, DEMO_PASSWORD);
    [S1, S2] = await camerasOfTwoStations(db.db);

    // Alerts for the escalation check, queued now so that their timers run while the other checks do.
    const producer = alertProducer(redis);
    const jobs = await Promise.all(Array.from({ length: 6 }, () => makeAlert(redis, S2.cameraId)));
    for (const j of jobs) await producer.add(j);
    await producer.close();
    escalating = jobs.map((j) => j.id);
    await waitUntil(
      async () =>
        (await db.db.selectFrom("alerts").select("id").where("id", "in", escalating).execute()).length === 6,
      30_000,
      "the escalation alerts stored",
    );
    // Half of them lose their delayed job: only the sweep, which both instances run, can escalate those.
    const connection = queueConnection(redis);
    const escalations = new Queue(QUEUES.escalations, { connection, prefix: queuePrefix(redis) });
    for (const id of escalating.slice(0, 3)) jobsRemoved += await escalations.remove(`esc-${id}`);
    await escalations.close();
    connection.disconnect();
  }, 150_000);

  afterAll(async () => {
    for (const p of probes) await p.close().catch(() => {});
    await endedConsole?.close().catch(() => {});
    await Promise.all([a?.stop(), b?.stop()]);
    redis?.disconnect();
    await db?.close();
    await tdb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("both started on the empty database at once: migrated once, without error, to the full schema", async () => {
    console.info(`two API processes spawned together, both ready after ${startedMs} ms`);
    for (const api of [a, b]) {
      expect(api.child.exitCode).toBeNull();
      expect(api.output()).not.toMatch(/migration .* failed|already exists|duplicate key/i);
    }
    // One process applied every migration; the other waited on the lock and found nothing left to do.
    const applied = [a, b].map((api) => logLines(api, "migrations applied"));
    expect(applied.map((l) => l.length).sort()).toEqual([0, 1]);
    expect(applied.flat()[0]?.applied).toEqual(Object.keys(MIGRATIONS));
    const rows = await db.db
      .selectFrom("mingfang_migrations" as never)
      .selectAll()
      .execute();
    expect(rows).toHaveLength(Object.keys(MIGRATIONS).length);

    const alone = await createTestDatabase(pgUrl as string);
    try {
      const h = await openDatabase({ databaseUrl: alone.url, dataDir });
      await migrateToLatest(h.db).finally(() => h.close());
      const [got, want] = [await schemaSnapshot(tdb.url), await schemaSnapshot(alone.url)];
      expect(got).toEqual(want);
    } finally {
      await alone.drop();
    }

    // The first admin was made once, and the password printed is the one that works, on both.
    const printed = [a, b].filter((p) => p.output().includes("First admin created"));
    expect(printed).toHaveLength(1);
    for (const api of [a, b]) expect((await login(api, "admin", adminPassword())).status).toBe(200);
  });

  it("a session made on A works on B; signing it out on A ends it on B", async () => {
    const duty = `${S1.stationCode}.duty`;
    const { status, cookie } = await login(a, duty, DEMO_PASSWORD);
    expect(status).toBe(200);
    const me = await call(b, cookie, "GET", "/api/me");
    expect([me.status, me.body.username]).toEqual([200, duty]);
    endedConsole = await WsProbe.open(b.url, cookie);
    await endedConsole.waitFor((p) => p.messages.some((m) => m.type === "hello"));

    expect((await call(a, cookie, "POST", "/api/auth/logout")).status).toBe(204);
    expect((await call(b, cookie, "GET", "/api/me")).status).toBe(401);
    await expect(WsProbe.open(b.url, cookie)).rejects.toThrow(/401/);
  });

  it("sign-in failures count across both instances", async () => {
    const user = `${S2.stationCode}.duty`;
    const tries: number[] = [];
    for (let i = 0; i < MAX_FAILURES; i++)
      tries.push((await login(i % 2 ? b : a, user, "wrong-password")).status);
    expect(tries).toEqual(Array(MAX_FAILURES).fill(401));
    // Locked on both, even with the right password.
    for (const api of [a, b]) expect((await login(api, user, DEMO_PASSWORD)).status).toBe(429);
    const audit = await db.db
      .selectFrom("audit_log")
      .select(["action", (eb) => eb.fn.countAll<string>().as("n")])
      .where("actor_username", "=", user)
      .groupBy("action")
      .orderBy("action")
      .execute();
    expect(audit.map((r) => [r.action, Number(r.n)])).toEqual([
      ["auth.login_failed", MAX_FAILURES],
      ["auth.login_locked", 2],
    ]);

    // Simultaneous guesses spread over both instances: no more get a password check than the limit.
    const guesser = `${S1.stationCode}.staff`;
    const burst = await Promise.all(
      Array.from({ length: 10 }, (_, n) => login(n % 2 ? b : a, guesser, `guess-${n}`)),
    );
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(MAX_FAILURES).fill(401), ...Array(10 - MAX_FAILURES).fill(429)]);
  });

  it("a console on B receives the events caused through A, in seq order; one reconnecting to B resyncs", async () => {
    const admin = (await login(a, "admin", adminPassword())).cookie;
    const duty = (await login(b, `${S1.stationCode}.duty`, DEMO_PASSWORD)).cookie;
    const onB = await WsProbe.open(b.url, admin);
    const onA = await WsProbe.open(a.url, admin);
    probes.push(onB, onA);
    const hello = async (p: WsProbe) => {
      await p.waitFor((x) => x.messages.some((m) => m.type === "hello"));
      return p.messages.find((m) => m.type === "hello")!.seq!;
    };
    const [helloB, helloA] = [await hello(onB), await hello(onA)];

    // Alerts come in through the queue (either instance takes each); the officer acts on them through A.
    const producer = alertProducer(redis);
    const jobs = await Promise.all(Array.from({ length: 4 }, () => makeAlert(redis, S1.cameraId)));
    for (const j of jobs) await producer.add(j);
    await producer.close();
    const ids = jobs.map((j) => j.id);
    await waitUntil(
      async () =>
        (await db.db.selectFrom("alerts").select("id").where("id", "in", ids).execute()).length === 4,
      20_000,
      "alerts stored",
    );
    // From A's answer to the event on B's console: the cross-instance delay (printed, not asserted).
    const delays: number[] = [];
    for (const id of ids.slice(0, 2)) {
      expect((await call(a, duty, "POST", `/api/alerts/${id}/acknowledge`, { note: "已处理" })).status).toBe(
        200,
      );
      const t = Date.now();
      await onB.waitFor((x) =>
        x.events().some((m) => m.payload?.id === id && m.payload?.action === "acknowledge"),
      );
      delays.push(Date.now() - t);
    }
    console.info(`acknowledged on A, on B's console within ${delays.join(" ms, ")} ms (20 ms polling)`);
    expect((await call(a, duty, "POST", "/api/cases", { alertIds: [ids[2]] })).status).toBe(201);
    // The evidence is on the shared volume: served by both, whichever stored it.
    const evidence = await Promise.all(
      [a, b].map((api) => fetch(`${api.url}/api/alerts/${ids[3]}/evidence`, { headers: { cookie: duty } })),
    );
    expect(evidence.map((r) => r.status)).toEqual([200, 200]);
    // A signed link handed out by A opens on B without a session (one secret).
    const view = await call(a, duty, "GET", `/api/alerts/${ids[3]}`);
    const signed = await fetch(`${b.url}${view.body.evidenceUrl as string}`);
    expect([signed.status, signed.headers.get("content-type")]).toEqual([200, "image/jpeg"]);

    // Both consoles get every event of the log, once, in seq order, whichever instance caused it.
    const top = await topSeq();
    for (const [p, from] of [
      [onB, helloB],
      [onA, helloA],
    ] as const) {
      await p.waitFor((x) => BigInt(x.lastSeq()) >= BigInt(top), 15_000);
      expect(seen(p, from, top)).toEqual(await dbEvents(from, top));
    }
    const caused = onB.events().filter((m) => ids.includes(m.payload?.id as string));
    expect(caused.filter((m) => m.kind === "alert.created")).toHaveLength(4);
    expect(caused.filter((m) => m.payload?.action === "acknowledge")).toHaveLength(2);
    expect(onB.events("case.created")).toHaveLength(1);

    // A's console drops; meanwhile events happen through B; it comes back to B with its last seq.
    const last = onA.lastSeq();
    await onA.close();
    expect(
      (await call(b, duty, "POST", `/api/alerts/${ids[3]}/acknowledge`, { note: "已处理" })).status,
    ).toBe(200);
    expect((await call(b, duty, "POST", `/api/alerts/${ids[0]}/resolve`, {})).status).toBe(200);
    const back = await WsProbe.open(b.url, admin, last);
    probes.push(back);
    await back.waitFor((x) => x.messages.some((m) => m.type === "synced" || m.type === "reset"));
    const synced = back.messages.find((m) => m.type === "synced" || m.type === "reset")!;
    expect(synced.type).toBe("synced");
    const missed = await dbEvents(last, synced.seq!);
    expect(missed.length).toBeGreaterThanOrEqual(2);
    expect(seen(back, last, synced.seq!)).toEqual(missed);
    // Then live: an event caused through A reaches it once.
    expect((await call(a, duty, "POST", `/api/alerts/${ids[1]}/resolve`, {})).status).toBe(200);
    const isResolve = (m: WsMessage) => m.payload?.id === ids[1] && m.payload?.action === "resolve";
    await back.waitFor((x) => x.events().some(isResolve));
    const seqs = back.events().map((m) => BigInt(m.seq!));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(back.events().filter(isResolve)).toHaveLength(1);
  });

  it("a camera status change heard by both instances is one event", async () => {
    const status = (s: "online" | "offline", since: Date) =>
      JSON.stringify({
        cameraId: S1.cameraId,
        status: s,
        state: s === "online" ? "live" : "backoff",
        fps: null,
        bitrateKbps: null,
        lastFrameAt: null,
        lastError: s === "online" ? null : "connection refused",
        since: since.toISOString(),
        restarts: 0,
        updatedAt: new Date().toISOString(),
      });
    const changes = async () =>
      (
        await db.db
          .selectFrom("events")
          .select("payload")
          .where("kind", "=", "camera.status")
          .orderBy("seq")
          .execute()
      ).filter((e) => (e.payload as { cameraId: number }).cameraId === S1.cameraId);
    // Two changes, a moment apart as the ingest reports them (within a few milliseconds, two instances
    // could each record and announce one, in either order).
    await redis.publish(REDIS_KEYS.cameraStatusChannel, status("online", new Date(Date.now() - 60_000)));
    await waitUntil(async () => (await changes()).length >= 1, 10_000, "the online event");
    await redis.publish(REDIS_KEYS.cameraStatusChannel, status("offline", new Date()));
    await waitUntil(async () => (await changes()).length >= 2, 10_000, "the offline event");
    // A second event per change would follow within milliseconds (both heard the same message): watch
    // the log for a while longer; it must not grow.
    const watchUntil = Date.now() + 1500;
    while (Date.now() < watchUntil) {
      const got = (await changes()).map((e) => (e.payload as { status: string }).status);
      expect(got).toEqual(["online", "offline"]);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it("a console whose session was ended on the other instance is closed at its next heartbeat", async () => {
    await endedConsole.waitFor((p) => p.closeCode !== null, 40_000);
    expect(endedConsole.closeCode).toBe(4001);
  }, 45_000);

  it("an escalation fires once, whichever instance's job or sweep gets there", async () => {
    expect(jobsRemoved).toBeGreaterThan(0);
    const escalated = async () =>
      (
        await db.db
          .selectFrom("alerts")
          .select("id")
          .where("id", "in", escalating)
          .where("escalated_at", "is not", null)
          .execute()
      ).length;
    // The sweep runs every 30 s in each instance.
    await waitUntil(async () => (await escalated()) === escalating.length, 50_000, "every alert escalated");
    const events = (
      await db.db.selectFrom("events").select("payload").where("kind", "=", "alert.updated").execute()
    )
      .map((e) => e.payload as { id: string; action?: string })
      .filter((p) => p.action === "escalate");
    const audits = await db.db
      .selectFrom("audit_log")
      .select("target_id")
      .where("action", "=", "alert.escalate")
      .execute();
    const count = (list: string[]) => {
      const m = new Map<string, number>();
      for (const id of list) m.set(id, (m.get(id) ?? 0) + 1);
      return m;
    };
    const byEvent = count(events.map((e) => e.id));
    const byAudit = count(audits.map((r) => String(r.target_id)));
    for (const id of escalating) expect([id, byEvent.get(id), byAudit.get(id)]).toEqual([id, 1, 1]);
    // Nothing anywhere escalated twice.
    expect(Math.max(...byEvent.values(), ...byAudit.values())).toBe(1);
  }, 60_000);

  it("an instance that stops sends its consoles away; they resync on the other", async () => {
    const admin = (await login(b, "admin", adminPassword())).cookie;
    const duty = (await login(a, `${S1.stationCode}.duty`, DEMO_PASSWORD)).cookie;
    const onB = await WsProbe.open(b.url, admin);
    probes.push(onB);
    await onB.waitFor((x) => x.messages.some((m) => m.type === "hello"));
    const last = onB.lastSeq();
    await b.stop();
    await onB.waitFor((x) => x.closeCode !== null);
    expect(onB.closeCode).toBe(1001); // going away: the console reconnects at once
    const opened = await call(a, duty, "POST", "/api/cases", {
      stationId: S1.stationId,
      title: "B 停机期间",
    });
    expect(opened.status).toBe(201);
    const back = await WsProbe.open(a.url, admin, last);
    probes.push(back);
    await back.waitFor((x) => x.messages.some((m) => m.type === "synced"));
    const synced = back.messages.find((m) => m.type === "synced")!;
    expect(seen(back, last, synced.seq!)).toEqual(await dbEvents(last, synced.seq!));
    expect(back.events("case.created").some((m) => m.payload?.id === opened.body.id)).toBe(true);
  });
});
