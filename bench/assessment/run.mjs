#!/usr/bin/env node
/**
 * bench/assessment: the year-end assessment of the whole district (`GET /api/assessment/:year` and its
 * workbook, 19 sheets) over a calendar year of generated data, in the shape of bench/dashboard's: a fresh
 * database on the local PostgreSQL (created and dropped here), migrated and seeded with the 18 stations,
 * the pilot workshops and their cameras; last year's status changes of 42 cameras (4 a day), 100k alerts
 * (80% acknowledged) and 5k cases (half of them closed, with every outcome), spread over last year's
 * 1 January – 31 December (Beijing time). Timed warm: the figures alone (the service), the JSON route,
 * and the workbook route (streamed, read to its end), p50/p95 of N runs; then the CLI's writer to a file.
 *
 *   npm run build && node bench/assessment/run.mjs [--runs 10] [--alerts 100000] [--cases 5000]
 *   PG_URL=postgres://postgres@127.0.0.1:5432/postgres (the server's admin URL; the default)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { AssessmentRepository } from "../../services/api/dist/assessment/assessment.repository.js";
import { AssessmentService } from "../../services/api/dist/assessment/assessment.service.js";
import { DashboardRepository } from "../../services/api/dist/dashboard/dashboard.repository.js";
import { DashboardService, resolvePeriod } from "../../services/api/dist/dashboard/dashboard.service.js";
import { buildApp } from "../../services/api/dist/index.js";
import { writeAssessmentFile } from "../../services/cli/dist/assessment.js";
import { createLogger, createRedis, Keyring, loadConfig } from "../../services/core/dist/index.js";
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
const RUNS = arg("--runs", 10);
const ALERTS = arg("--alerts", 100_000);
const CASES = arg("--cases", 5_000);
const BATCH = 10_000;
const ADMIN_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const PASSWORD = "bench-password-1";
const YEAR = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() - 1;
/** Last year's first instant (Beijing time) as SQL, and its length. */
const Y0 = `timestamptz '${YEAR}-01-01 00:00:00+08'`;
const YLEN = `(timestamptz '${YEAR + 1}-01-01 00:00:00+08' - ${Y0})`;

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const ms = (x) => `${x.toFixed(1)} ms`;

async function timed(n, fn) {
  for (let i = 0; i < 2; i++) await fn(); // warm
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return { p50: pct(xs, 50), p95: pct(xs, 95) };
}

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
  console.log(`generating the year ${YEAR}: ${ALERTS} alerts, ${CASES} cases, 42 cameras' status history`);
  await client.query(`create temp table cams as
    select row_number() over (order by c.id) - 1 as k, c.id, c.workshop_id, w.station_id
    from cameras c join workshops w on w.id = c.workshop_id`);
  await client.query(`create temp table logged as
    select distinct on (workshop_id) id from cams order by workshop_id, id limit 42`);
  const r = await client.query(`insert into camera_status_log (camera_id, status, at)
    select c.id, case when s.k % 2 = 0 then 'online' when random() < 0.7 then 'offline' else 'stalled' end,
      ${Y0} + d * interval '1 day' + (s.k * 6 + random() * 5.9) * interval '1 hour'
    from logged c, generate_series(0, 364) d, generate_series(0, 3) s(k)
    on conflict do nothing`);
  console.log(`  camera_status_log: ${r.rowCount} rows`);
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
     cross join lateral (select ${Y0} + random() * ${YLEN} + g * interval '0' as t) tt
     join cams c on c.k = (g + $2 * 7919) % (select count(*) from cams)`,
  );
  await batches(
    client,
    "cases",
    CASES,
    `insert into cases (id, code, station_id, workshop_id, title, state, deadline, outcome, created_at, closed_at)
     select gen_random_uuid(), 'B-' || $2 || '-' || g, c.station_id, c.workshop_id, '生成的案件', st,
       case when st = 'closed' then null else t + interval '3 days' end,
       case when st = 'closed' then
         (array['rectified','violation_confirmed','false_alarm','penalised','transferred'])[1 + (g / 6) % 5] end,
       t, case when st = 'closed' then t + interval '2 days' end
     from generate_series(1, $1) g
     cross join lateral (select ${Y0} + random() * ${YLEN} + g * interval '0' as t,
       (array['closed','closed','closed','open','dispatched','rectified'])[1 + (g % 6)] as st) tt
     join cams c on c.k = (g * 13 + $2) % (select count(*) from cams)`,
  );
  await client.query("vacuum analyze");
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

async function measure(app, db, dir) {
  const admin = await login(app, "admin");
  const get = async (url) => {
    const res = await app.inject({ url, headers: { cookie: admin } });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return res;
  };
  const v = (await get(`/api/assessment/${YEAR}`)).json();
  const book = (await get(`/api/assessment/${YEAR}/workbook.xlsx`)).rawPayload;
  console.log(
    `year ${YEAR}: ${v.district.alerts.total} alerts, ${v.district.cases.opened} cases ` +
      `(${v.district.cases.closed} closed), uptime ${v.district.cameras.uptime?.toFixed(3)}, ` +
      `ack median ${v.district.alerts.ackMedianSeconds?.toFixed(0)} s; workbook ${book.length} bytes`,
  );
  const service = new AssessmentService(db);
  const figures = await timed(RUNS, () => service.view(YEAR, { kind: "all" }));
  const json = await timed(RUNS, () => get(`/api/assessment/${YEAR}`));
  const xlsx = await timed(RUNS, () => get(`/api/assessment/${YEAR}/workbook.xlsx`));
  const out = path.join(dir, "assessment.xlsx");
  const cli = await timed(3, () => writeAssessmentFile(db, { year: YEAR, out, print: () => {} }));
  console.log(
    `load average before timing: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  console.log(`\n${RUNS} warm runs each (3 for the CLI)     p50        p95`);
  for (const [label, r] of [
    ["figures (AssessmentService)", figures],
    ["GET /api/assessment/:year", json],
    ["GET …/workbook.xlsx (19 sheets)", xlsx],
    ["CLI writer to a file", cli],
  ])
    console.log(`${label.padEnd(33)} ${ms(r.p50).padStart(9)}  ${ms(r.p95).padStart(9)}`);
  console.log(`file: ${statSync(out).size} bytes`);
  const repo = new AssessmentRepository(db);
  const dash = new DashboardService(db, { mget: async (...k) => k.map(() => null) });
  const dashRepo = new DashboardRepository(db);
  const p = resolvePeriod({ from: `${YEAR}-01-01`, to: `${YEAR}-12-31` }, new Date());
  console.log("\neach part alone (p50 of 5; in the service they run in parallel):");
  for (const [label, fn] of [
    ["dashboard view (district)", () => dash.view({ from: p.from, to: p.to }, { kind: "all" })],
    ["alerts by type and day", () => dashRepo.alertCounts(p)],
    ["ack percentiles per station", () => repo.ackByStation(p)],
    ["case outcomes", () => repo.caseOutcomes(p)],
    ["uptime in working hours", () => dashRepo.uptime(p)],
  ])
    console.log(`  ${label.padEnd(30)} ${ms((await timed(5, fn)).p50)}`);
}

async function main() {
  const name = `mingfang_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(path.join(tmpdir(), "bench-assessment-"));
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
    await measure(app, dbh.db, dir);
  } finally {
    await app?.close();
    await client.end().catch(() => {});
    await dbh.close();
    redis.disconnect();
    await redisSrv.stop();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
