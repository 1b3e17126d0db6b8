#!/usr/bin/env node
/**
 * Several API instances: how much later a console connected to another instance gets an event than a
 * console on the instance that caused it. Two real `mingfang serve --roles api` processes (the built CLI)
 * on one fresh PostgreSQL database and one private Redis; the bureau admin's consoles, half on A and half
 * on B; alerts acknowledged through A's REST API at a fixed rate. Each acknowledgement's `alert.updated`
 * event: latency = console receipt − the request's start (one clock). Baseline in the same run: the consoles
 * on A (the event is appended, woken and read in the same process); the consoles on B add the Redis
 * wake-up and B's own read of the `events` table. Printed: p50, p99, max for both, the ratio, and per event
 * the gap between its median receipt on B and on A (what crossing instances costs, A's queueing aside).
 *
 *   npm run build && node bench/multi-api/latency.mjs [--consoles 20] [--rate 5] [--seconds 20]
 *   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres  (the default; a database is made and dropped)
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import WebSocket from "ws";
import { Keyring } from "../../services/core/dist/index.js";
import { migrateToLatest, openDatabase, seedReferenceData } from "../../services/db/dist/index.js";
import { findFreePort, startPrivateRedis } from "../../services/process/dist/index.js";
import { arg, ms, pct } from "../support/stats.mjs";

const CONSOLES = arg("--consoles", 20);
const RATE = arg("--rate", 5);
const SECONDS = arg("--seconds", 20);
const N = RATE * SECONDS;
const ADMIN_URL = process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CLI = new URL("../../services/cli/dist/main.js", import.meta.url).pathname;
const PASSWORD = `bench-${randomBytes(6).toString("hex")}`;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function admin(sql) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh database with the reference data and N open alerts on one camera. */
async function prepareDatabase(secret, dataDir) {
  const name = `mingfang_bench_${randomBytes(5).toString("hex")}`;
  await admin(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const h = await openDatabase({ databaseUrl: url.toString(), dataDir });
  await migrateToLatest(h.db);
  await seedReferenceData(h.db, { credentialsKey: new Keyring(secret).credentials });
  const cam = await h.db
    .selectFrom("cameras as c")
    .innerJoin("workshops as w", "w.id", "c.workshop_id")
    .select(["c.id", "c.workshop_id", "w.station_id"])
    .orderBy("c.id")
    .executeTakeFirstOrThrow();
  const ids = Array.from({ length: N }, () => randomUUID());
  const at = new Date();
  await h.db
    .insertInto("alerts")
    .values(
      ids.map((id) => ({
        id,
        camera_id: cam.id,
        workshop_id: cam.workshop_id,
        station_id: cam.station_id,
        type: "no_hat",
        confidence: 0.9,
        grade: 3,
        status: "new",
        captured_at: at,
        created_at: at,
      })),
    )
    .execute();
  await h.close();
  return { name, url: url.toString(), ids };
}

function startApi(port, env) {
  const child = spawn(process.execPath, [CLI, "serve", "--roles", "api"], {
    env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function ready(api) {
  for (const end = Date.now() + 120_000; Date.now() < end; await sleep(200)) {
    if (api.child.exitCode !== null) throw new Error("an API process exited");
    const r = await fetch(`${api.url}/readyz`).catch(() => undefined);
    if (r?.status === 200) return;
  }
  throw new Error("an API process did not become ready");
}

async function signIn(api) {
  const r = await fetch(`${api.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`sign-in: ${r.status}`);
  return r.headers.getSetCookie()[0].split(";")[0];
}

/** A console that notes when each acknowledgement's event arrives (alert id → receipt time). */
function openConsole(api, cookie) {
  const got = new Map();
  const ws = new WebSocket(`${api.url.replace("http", "ws")}/ws`, { headers: { cookie } });
  ws.on("message", (d) => {
    const m = JSON.parse(String(d));
    if (m.type === "event" && m.payload?.action === "acknowledge") got.set(m.payload.id, now());
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, got }));
    ws.once("error", reject);
  });
}

/** Acknowledges every alert through `api` at RATE per second; returns each request's start time. */
async function drive(api, cookie, ids) {
  const started = new Map();
  const t0 = now();
  await Promise.all(
    ids.map(async (id, i) => {
      await sleep(Math.max(0, t0 + (i * 1000) / RATE - now()));
      started.set(id, now());
      const r = await fetch(`${api.url}/api/alerts/${id}/acknowledge`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ note: "bench" }),
      });
      if (r.status !== 200) throw new Error(`acknowledge: ${r.status}`);
    }),
  );
  return started;
}

function latencies(consoles, started) {
  const xs = [];
  let missing = 0;
  for (const c of consoles) {
    for (const [id, t] of started) {
      const at = c.got.get(id);
      if (at === undefined) missing++;
      else xs.push(at - t);
    }
  }
  return { xs, missing };
}

async function waitDelivered(consoles, n) {
  for (const end = Date.now() + 30_000; Date.now() < end; await sleep(100)) {
    if (consoles.every((c) => c.got.size >= n)) return;
  }
}

function report(label, { xs, missing }) {
  console.log(
    `${label.padEnd(34)} p50 ${ms(pct(xs, 50))}  p99 ${ms(pct(xs, 99))}  max ${ms(Math.max(...xs))}` +
      `  delivered ${xs.length}/${xs.length + missing}`,
  );
  return xs;
}

async function run(apis, ids) {
  const cookie = await signIn(apis[0]);
  const onA = await Promise.all(Array.from({ length: CONSOLES / 2 }, () => openConsole(apis[0], cookie)));
  const onB = await Promise.all(Array.from({ length: CONSOLES / 2 }, () => openConsole(apis[1], cookie)));
  await sleep(500);
  const started = await drive(apis[0], cookie, ids);
  await waitDelivered([...onA, ...onB], ids.length);
  for (const c of [...onA, ...onB]) c.ws.close();
  console.log(`${N} acknowledgements through A at ${RATE}/s, ${CONSOLES / 2} consoles on each instance:`);
  const a = report("same instance (A, baseline)", latencies(onA, started));
  const b = report("other instance (B)", latencies(onB, started));
  console.log(
    `ratio B / A: p50 ${(pct(b, 50) / pct(a, 50)).toFixed(2)}×, p99 ${(pct(b, 99) / pct(a, 99)).toFixed(2)}×`,
  );
  // Per event: its median receipt on B's consoles − its median receipt on A's (what crossing costs).
  const median = (cs, id) => pct(cs.map((c) => c.got.get(id) ?? Number.NaN).filter(Number.isFinite), 50);
  const gaps = [...started.keys()].map((id) => median(onB, id) - median(onA, id)).filter(Number.isFinite);
  console.log(
    `B − A per event                    p50 ${ms(pct(gaps, 50))}  p99 ${ms(pct(gaps, 99))}  max ${ms(Math.max(...gaps))}`,
  );
}

async function main() {
  const secret = randomBytes(32).toString("hex");
  const dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-bench-multi-api-"));
  const redis = await startPrivateRedis({ dir: path.join(dataDir, "redis") });
  const db = await prepareDatabase(secret, dataDir);
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    MINGFANG_SECRET: secret,
    MINGFANG_ADMIN_PASSWORD: PASSWORD,
    DATA_DIR: dataDir,
  };
  const apis = [startApi(await findFreePort(), env), startApi(await findFreePort(), env)];
  try {
    await Promise.all(apis.map(ready));
    await run(apis, db.ids);
  } finally {
    const exited = (c) => c.exitCode !== null || c.signalCode !== null;
    const stops = apis.map((api) =>
      exited(api.child) ? undefined : new Promise((r) => api.child.once("exit", r)),
    );
    for (const api of apis) api.child.kill("SIGTERM");
    await Promise.all(stops);
    await redis.stop();
    await admin(`drop database if exists "${db.name}" with (force)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
