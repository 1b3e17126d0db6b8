#!/usr/bin/env node
/**
 * bench/dashboard: `GET /api/dashboard` over a year of generated data, against `select count(*) from
 * alerts` over the same period in the same run (the least any answer about the period's alerts costs).
 *
 * A fresh database on the local PostgreSQL (created and dropped here), migrated and seeded with the 18
 * stations, the pilot workshops and their cameras; then, in batches with progress printed: a year of
 * status changes of every camera (about 4 a day each), 100k alerts (80% acknowledged) and 5k cases, all
 * spread over the last 365 days. The real API (fastify, `inject`, a private Redis with every camera
 * reported online) answers the period of the last 366 days for the district (the bureau) and for one
 * station (its staff). Warm p50/p95 of N runs each, the baseline's, and the ratio; then the time of
 * each of the dashboard's queries alone (they run in parallel in the route).
 *
 *   npm run build && node bench/dashboard/run.mjs [--runs 30] [--alerts 100000] [--cases 5000]
 *   PG_URL=postgres://postgres@127.0.0.1:5432/postgres (the server's admin URL; the default)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { DashboardRepository } from "../../services/api/dist/dashboard/dashboard.repository.js";
import { resolvePeriod } from "../../services/api/dist/dashboard/dashboard.service.js";
import { buildApp } from "../../services/api/dist/index.js";
import {
  createLogger,
  createRedis,
  Keyring,
  loadConfig,
  REDIS_KEYS,
} from "../../services/core/dist/index.js";
import {
  ensureAdmin,
  migrateToLatest,
  openDatabase,
  seedDemoUsers,
  seedReferenceData,
} from "../../services/db/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg("--runs", 30);
const ALERTS = arg("--alerts", 100_000);
const CASES = arg("--cases", 5_000);
const BATCH = 10_000;
const ADMIN_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const PASSWORD = "bench-password-1";

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const ms = (x) => `${x.toFixed(1)} ms`;

async function timed(n, fn) {
  for (let i = 0; i < 3; i++) await fn(); // warm
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return { p50: pct(xs, 50), p95: pct(xs, 95) };
}

/** Runs `sql` (with $1 = batch size, $2 = batch index) until `total` rows, printing progress. */
async function batches(client, what, total, sql) {
  const t0 = performance.now();
  for (let done = 0, i = 0; done < total; i++) {
    const n = Math.min(BATCH, total - done);
    await client.query(sql, [n, i]);
    done += n;
    process.stdout.write(`\r  ${what}: ${done}/${total}`);
  }
  process.stdout.write(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}

async function generate(client) {
  const cams = await client.query("select count(*)::int as n from cameras");
  console.log(`generating a year of data (${cams.rows[0].n} cameras, 42 of them with a status history)`);
  await client.query(`create temp table cams as
    select row_number() over (order by c.id) - 1 as k, c.id, c.workshop_id, w.station_id
    from cameras c join workshops w on w.id = c.workshop_id`);
  // The status history of 42 cameras: the first camera of each pilot workshop.
  await client.query(`create temp table logged as
    select distinct on (workshop_id) id from cams order by workshop_id, id limit 42`);
  // Status changes: every camera, every day of the year, online from a morning hour, then off and on.
  const t0 = performance.now();
  const r = await client.query(`insert into camera_status_log (camera_id, status, at)
    select c.id, case when s.k % 2 = 0 then 'online' when random() < 0.7 then 'offline' else 'stalled' end,
      date_trunc('day', now()) - d * interval '1 day' + (s.k * 6 + random() * 5.9) * interval '1 hour'
    from logged c, generate_series(1, 365) d, generate_series(0, 3) s(k)
    on conflict do nothing`);
  console.log(`  camera_status_log: ${r.rowCount} rows (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  await batches(
    client,
    "alerts",
    ALERTS,
    `insert into alerts (id, camera_id, workshop_id, station_id, type, confidence, grade, status,
       captured_at, created_at, acknowledged_at)
     select gen_random_uuid(), c.id, c.workshop_id, c.station_id,
       (array['no_mask','no_hat','no_gloves','smoking','rodent','unclean_area','camera_offline'])[1 + (g % 7)],
       0.8, 1 + (g % 3), case when g % 5 = 0 then 'new' else 'acknowledged' end, t, t,
       case when g % 5 = 0 then null else t + (30 + random() * 1800) * interval '1 second' end
     from generate_series(1, $1) g
     cross join lateral (select now() - random() * interval '365 days' + g * interval '0' as t) tt
     join cams c on c.k = (g + $2 * 7919) % (select count(*) from cams)`,
  );
  await batches(
    client,
    "cases",
    CASES,
    `insert into cases (id, code, station_id, workshop_id, title, state, deadline, outcome, created_at, closed_at)
     select gen_random_uuid(), 'B-' || $2 || '-' || g, c.station_id, c.workshop_id, '生成的案件', st,
       case when st = 'closed' then null else t + interval '3 days' end,
       case when st = 'closed' then 'rectified' end, t, case when st = 'closed' then t + interval '2 days' end
     from generate_series(1, $1) g
     cross join lateral (select now() - random() * interval '365 days' + g * interval '0' as t,
       (array['closed','closed','closed','open','dispatched','rectified'])[1 + (g % 6)] as st) tt
     join cams c on c.k = (g * 13 + $2) % (select count(*) from cams)`,
  );
  await client.query("vacuum analyze");
}

async function main() {
  const name = `mingfang_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(path.join(tmpdir(), "bench-dashboard-"));
  const redisSrv = await startPrivateRedis({ dir: path.join(dir, "redis") });
  const redis = createRedis(redisSrv.url);
  const dbh = await openDatabase({ dataDir: dir, databaseUrl: url.toString() });
  const client = new pg.Client({ connectionString: url.toString() });
  let app;
  try {
    await migrateToLatest(dbh.db);
    const secret = randomBytes(32).toString("hex");
    const keyring = new Keyring(secret);
    await seedReferenceData(dbh.db, { credentialsKey: keyring.credentials });
    await seedDemoUsers(dbh.db, PASSWORD);
    await ensureAdmin(dbh.db, PASSWORD);
    await client.connect();
    await generate(client);
    const cams = (await client.query("select id from cameras")).rows;
    const at = new Date().toISOString();
    for (const c of cams) {
      const s = {
        cameraId: c.id,
        status: "online",
        state: "live",
        fps: 5,
        bitrateKbps: 900,
        lastFrameAt: at,
      };
      await redis.set(
        REDIS_KEYS.cameraStatus(c.id),
        JSON.stringify({ ...s, lastError: null, since: at, restarts: 0, updatedAt: at }),
      );
    }
    const config = loadConfig({ MINGFANG_SECRET: secret, DATA_DIR: dir, LOG_LEVEL: "warn" });
    app = await buildApp({
      config,
      db: dbh.db,
      pingDb: dbh.ping,
      redis,
      keyring,
      logger: createLogger({ level: "warn" }),
      alerts: { workers: false },
    });
    await app.ready();
    await measure(app, client, dbh.db);
  } finally {
    await app?.close();
    await client.end().catch(() => {});
    await dbh.close();
    redis.disconnect();
    await redisSrv.stop();
    if (process.env.KEEP_DB) console.log(`kept database ${name}`);
    else await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function login(app, username) {
  const res = await app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username, password: PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode}`);
  return `mingfang_session=${res.cookies.find((c) => c.name === "mingfang_session").value}`;
}

async function measure(app, client, db) {
  const now = new Date();
  const p = resolvePeriod(
    { from: new Date(now.getTime() - 365 * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10) },
    now,
  );
  const q = `from=${p.from}&to=${p.to}`;
  const bureau = await login(app, "admin");
  const staff = await login(app, "mingshui.staff");
  const get = async (cookie) => {
    const res = await app.inject({ url: `/api/dashboard?${q}`, headers: { cookie } });
    if (res.statusCode !== 200) throw new Error(`dashboard: ${res.statusCode} ${res.body}`);
    return res;
  };
  const v = (await get(bureau)).json();
  console.log(
    `period ${p.from}..${p.to} (${p.days.length} days): ${v.summary.alerts.total} alerts, ` +
      `${v.summary.cases.opened} cases, uptime ${v.summary.cameras.uptime?.toFixed(3)}, ` +
      `ack median ${v.summary.alerts.ackMedianSeconds?.toFixed(0)} s`,
  );
  const base = await timed(RUNS, () =>
    client.query("select count(*) from alerts where created_at >= $1 and created_at < $2", [p.start, p.end]),
  );
  const district = await timed(RUNS, () => get(bureau));
  const station = await timed(RUNS, () => get(staff));
  console.log(
    `load average before timing: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  console.log(`\n${RUNS} warm runs each          p50        p95     p50 ratio to baseline`);
  console.log(`baseline count(*) alerts  ${ms(base.p50).padStart(9)}  ${ms(base.p95).padStart(9)}`);
  for (const [label, r] of [
    ["dashboard, district", district],
    ["dashboard, one station", station],
  ])
    console.log(
      `${label.padEnd(25)} ${ms(r.p50).padStart(9)}  ${ms(r.p95).padStart(9)}   ×${(r.p50 / base.p50).toFixed(1)}`,
    );
  const repo = new DashboardRepository(db);
  const observed = { start: p.start, end: new Date(Math.min(p.end.getTime(), now.getTime())) };
  console.log("\neach query alone (p50 of 10):");
  for (const [label, fn] of [
    ["stations, targets, risk", () => repo.stations()],
    ["alerts by type and day", () => repo.alertCounts(p)],
    ["ack percentiles", () => repo.ackSeconds(p, v.stations[0].stationId)],
    ["cases", () => repo.caseCounts(p, now)],
    ["uptime in working hours", () => repo.uptime(observed)],
  ])
    console.log(`  ${label.padEnd(26)} ${ms((await timed(10, fn)).p50)}`);
}

await main();
