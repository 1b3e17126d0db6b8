#!/usr/bin/env node
/**
 * Alerts bench: intake-to-delivery latency with many consoles connected, against a bare `ws` broadcast
 * of the same messages in the same run.
 *
 * Platform: alerts are put on the real `alerts` queue (BullMQ, a private Redis) at a fixed rate; the
 * real API (PGlite, or DATABASE_URL) takes them in, stores them, appends them to the event log and
 * pushes `alert.created` over `/ws` to every console (a worker thread). Latency = console receipt −
 * queue add. Baseline: the same consoles on a bare `ws` server, the same JSON messages broadcast at the
 * same rate; latency = receipt − send. Printed: p50, p99, max for both, and the ratio.
 *
 *   npm run build && node bench/alerts/latency.mjs [--consoles 200] [--rate 50] [--seconds 20]
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { Queue } from "bullmq";
import { WebSocketServer } from "ws";
import { buildApp } from "../../services/api/dist/index.js";
import {
  createLogger,
  createRedis,
  Keyring,
  loadConfig,
  QUEUE_PREFIX,
  QUEUES,
} from "../../services/core/dist/index.js";
import {
  ensureAdmin,
  migrateToLatest,
  openDatabase,
  seedReferenceData,
} from "../../services/db/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONSOLES = arg("--consoles", 200);
const RATE = arg("--rate", 50);
const SECONDS = arg("--seconds", 20);
const N = RATE * SECONDS;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(xs, p) {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const fmt = (x) => `${x.toFixed(1)} ms`;

function startConsoles(url, cookies) {
  const worker = new Worker(new URL("./consoles.worker.mjs", import.meta.url), {
    workerData: { url, cookies, count: CONSOLES },
  });
  const waitFor = (type) =>
    new Promise((resolve, reject) => {
      const on = (m) => {
        if (m.type === type) {
          worker.off("message", on);
          resolve(m);
        } else if (m.type === "error") reject(new Error(m.message));
      };
      worker.on("message", on);
    });
  return {
    ready: waitFor("ready"),
    sent: (id, at) => worker.postMessage({ type: "sent", id, at }),
    report: async () => {
      const r = waitFor("report");
      worker.postMessage({ type: "report" });
      return r;
    },
    close: async () => {
      const c = waitFor("closed");
      worker.postMessage({ type: "close" });
      await c;
      await worker.terminate();
    },
  };
}

/** Sends `n` items at `rate` per second, on a fixed schedule (no drift). */
async function paced(n, rate, fn) {
  const t0 = now();
  const inflight = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    inflight.push(fn(i));
  }
  await Promise.all(inflight);
}

const dir = mkdtempSync(path.join(tmpdir(), "mingfang-bench-alerts-"));
const logger = createLogger({ level: "warn" });
const redisSrv = await startPrivateRedis({ dir: path.join(dir, "redis") });
const redis = createRedis(redisSrv.url);
const dbh = await openDatabase(
  process.env.DATABASE_URL
    ? { databaseUrl: process.env.DATABASE_URL, dataDir: dir }
    : { dataDir: dir, pgliteDir: "memory://" },
);
await migrateToLatest(dbh.db);
const secret = "b".repeat(64);
const keyring = new Keyring(secret);
await seedReferenceData(dbh.db, { credentialsKey: keyring.credentials });
await ensureAdmin(dbh.db, "bench-admin-password");
const config = loadConfig({ MINGFANG_SECRET: secret, DATA_DIR: dir, LOG_LEVEL: "warn" });
const app = await buildApp({
  config,
  db: dbh.db,
  pingDb: dbh.ping,
  redis,
  keyring,
  logger,
  alerts: { cooldownMinutes: 0, intakeConcurrency: 8 },
});
await app.listen({ port: 0, host: "127.0.0.1" });
const port = app.server.address().port;
const login = await app.inject({
  method: "POST",
  url: "/api/auth/login",
  payload: { username: "admin", password: "bench-admin-password" },
});
const cookie = `mingfang_session=${login.cookies.find((c) => c.name === "mingfang_session").value}`;
const cameras = (await dbh.db.selectFrom("cameras").select("id").execute()).map((c) => c.id);
const types = ["no_hat", "no_gloves", "no_mask", "smoking", "phone_use", "unclean_area", "rodent"];
const queue = new Queue(QUEUES.alerts, {
  connection: redis.duplicate({ maxRetriesPerRequest: null }),
  prefix: QUEUE_PREFIX,
});

console.log(
  `alerts bench: ${CONSOLES} consoles, ${RATE} alerts/s for ${SECONDS} s (${N} alerts), database ${dbh.kind}`,
);

// ---- platform ----
let dispatchMs = 0;
{
  const hub = app.wsHub;
  const orig = hub.dispatch.bind(hub);
  hub.dispatch = (e) => {
    const t = performance.now();
    orig(e);
    dispatchMs += performance.now() - t;
  };
}
const platform = startConsoles(`ws://127.0.0.1:${port}/ws`, [cookie]);
await platform.ready;
let sample = null;
const addedAt = new Map();
const toBus = []; // queue add → event delivered by the bus in this process (before the WebSocket)
app.events.subscribe((e) => {
  if (e.kind !== "alert.created") return;
  if (!sample) sample = e;
  const t0 = addedAt.get(e.payload.id);
  if (t0 !== undefined) toBus.push(now() - t0);
});
await paced(N, RATE, async (i) => {
  const id = randomUUID();
  const job = {
    id,
    cameraId: cameras[i % cameras.length],
    type: types[i % types.length],
    confidence: 0.8,
    boxes: [{ x: 0.1, y: 0.1, w: 0.2, h: 0.3, label: "person", score: 0.8 }],
    capturedAt: new Date().toISOString(),
    model: "bench",
  };
  const at = now();
  addedAt.set(id, at);
  platform.sent(id, at);
  await queue.add("alert", job, { jobId: id, removeOnComplete: true, attempts: 5 });
});
await sleep(3000);
const p = await platform.report();
await platform.close();

// ---- baseline: a bare ws broadcast of the same messages ----
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
await new Promise((r) => wss.once("listening", r));
const baseline = startConsoles(`ws://127.0.0.1:${wss.address().port}`, null);
await baseline.ready;
let seq = 1_000_000;
await paced(N, RATE, async () => {
  const id = randomUUID();
  const msg = JSON.stringify({
    type: "event",
    seq: String(seq++),
    kind: "alert.created",
    stationId: sample?.stationId ?? 1,
    at: new Date().toISOString(),
    payload: { ...(sample?.payload ?? {}), id },
  });
  const at = now();
  baseline.sent(id, at);
  for (const c of wss.clients) c.send(msg);
});
await sleep(3000);
const b = await baseline.report();
await baseline.close();
wss.close();

const expected = N * CONSOLES;
const row = (name, r) =>
  console.log(
    `${name.padEnd(9)} delivered ${r.latencies.length}/${expected}  p50 ${fmt(pct(r.latencies, 50))}  p99 ${fmt(pct(r.latencies, 99))}  max ${fmt(r.latencies.reduce((a, x) => (x > a ? x : a), 0))}  consoles open ${r.open}`,
  );
row("platform", p);
console.log(`  dispatch CPU ${dispatchMs.toFixed(0)} ms total`);
console.log(`  of which queue add → event bus: p50 ${fmt(pct(toBus, 50))}  p99 ${fmt(pct(toBus, 99))}`);
row("bare ws", b);
console.log(
  `ratio platform/bare: p50 ${(pct(p.latencies, 50) / pct(b.latencies, 50)).toFixed(1)}×  p99 ${(pct(p.latencies, 99) / pct(b.latencies, 99)).toFixed(1)}×  (goal: platform p99 < 250 ms → ${pct(p.latencies, 99) < 250 ? "met" : "NOT met"})`,
);

await queue.close();
await app.close();
redis.disconnect();
await dbh.close();
await redisSrv.stop();
rmSync(dir, { recursive: true, force: true });
