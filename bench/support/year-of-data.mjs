/**
 * A year of generated data in a fresh database, for the benches that read a year (bench/dashboard,
 * bench/assessment). A database on the local PostgreSQL (PG_URL, the server's admin URL; created here and
 * dropped after, or kept with KEEP_DB set), migrated and seeded with the 18 stations, the pilot workshops,
 * their cameras and the demonstration users; then, in batches with progress printed: 365 days of status
 * changes of 42 cameras (4 a day each), the alerts (80% acknowledged) and the cases, spread over the year.
 * The year is given as SQL: its first instant and its length. Then the real API over it (a private Redis).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createRedis, Keyring, loadConfig } from "../../services/core/dist/index.js";
import {
  ensureAdmin,
  migrateToLatest,
  openDatabase,
  seedDemoUsers,
  seedReferenceData,
} from "../../services/db/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";
import { benchApp } from "./app.mjs";

/** Every seeded user's password. */
export const PASSWORD = "bench-password-1";
const ADMIN_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BATCH = 10_000;

/**
 * The last 365 days as `withYearOfData` takes them: the status history by whole days up to today's
 * midnight, the alerts and cases up to now.
 */
export const LAST_365_DAYS = {
  heading: (cameras) => `generating a year of data (${cameras} cameras, 42 of them with a status history)`,
  start: "(now() - interval '365 days')",
  length: "interval '365 days'",
  statusFrom: "(date_trunc('day', now()) - interval '365 days')",
};

/**
 * Runs `measure({ app, client, db, dir })` over a fresh database holding a year of data, then removes the
 * database, the Redis and the folder. `year`:
 * - `label`: names the temporary folder;
 * - `heading(cameras)`: the line printed before generating;
 * - `start`, `length`: the year's first instant and its length, as SQL expressions;
 * - `statusFrom`: the midnight the status history's first day starts at (SQL; `start` by default);
 * - `alerts`, `cases`: how many; `outcomes`: the closed cases' outcomes, in turn;
 * - `prepare({ client, redis })`: optional, after generating and before the API is built.
 */
export async function withYearOfData(year, measure) {
  const name = `mingfang_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(path.join(tmpdir(), `bench-${year.label}-`));
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
    await generate(client, year);
    await year.prepare?.({ client, redis });
    const config = loadConfig({ MINGFANG_SECRET: secret, DATA_DIR: dir, LOG_LEVEL: "warn" });
    app = await benchApp({ config, dbh, redis, keyring });
    await app.ready();
    await measure({ app, client, db: dbh.db, dir });
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

async function generate(client, year) {
  const cams = await client.query("select count(*)::int as n from cameras");
  console.log(year.heading(cams.rows[0].n));
  await client.query(`create temp table cams as
    select row_number() over (order by c.id) - 1 as k, c.id, c.workshop_id, w.station_id
    from cameras c join workshops w on w.id = c.workshop_id`);
  // The status history of 42 cameras: the first camera of each pilot workshop.
  await client.query(`create temp table logged as
    select distinct on (workshop_id) id from cams order by workshop_id, id limit 42`);
  // Status changes: every day of the year, online from a morning hour, then off and on.
  const t0 = performance.now();
  const r = await client.query(`insert into camera_status_log (camera_id, status, at)
    select c.id, case when s.k % 2 = 0 then 'online' when random() < 0.7 then 'offline' else 'stalled' end,
      ${year.statusFrom ?? year.start} + d * interval '1 day' + (s.k * 6 + random() * 5.9) * interval '1 hour'
    from logged c, generate_series(0, 364) d, generate_series(0, 3) s(k)
    on conflict do nothing`);
  console.log(`  camera_status_log: ${r.rowCount} rows (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const t = `${year.start} + random() * ${year.length} + g * interval '0' as t`;
  await batches(
    client,
    "alerts",
    year.alerts,
    `insert into alerts (id, camera_id, workshop_id, station_id, type, confidence, grade, status,
       captured_at, created_at, acknowledged_at)
     select gen_random_uuid(), c.id, c.workshop_id, c.station_id,
       (array['no_mask','no_hat','no_gloves','smoking','rodent','unclean_area','camera_offline'])[1 + (g % 7)],
       0.8, 1 + (g % 3), case when g % 5 = 0 then 'new' else 'acknowledged' end, t, t,
       case when g % 5 = 0 then null else t + (30 + random() * 1800) * interval '1 second' end
     from generate_series(1, $1) g
     cross join lateral (select ${t}) tt
     join cams c on c.k = (g + $2 * 7919) % (select count(*) from cams)`,
  );
  const outcomes = year.outcomes.map((o) => `'${o}'`).join(",");
  await batches(
    client,
    "cases",
    year.cases,
    `insert into cases (id, code, station_id, workshop_id, title, state, deadline, outcome, created_at, closed_at)
     select gen_random_uuid(), 'B-' || $2 || '-' || g, c.station_id, c.workshop_id, '生成的案件', st,
       case when st = 'closed' then null else t + interval '3 days' end,
       case when st = 'closed' then (array[${outcomes}])[1 + (g / 6) % ${year.outcomes.length}] end,
       t, case when st = 'closed' then t + interval '2 days' end
     from generate_series(1, $1) g
     cross join lateral (select ${t},
       (array['closed','closed','closed','open','dispatched','rectified'])[1 + (g % 6)] as st) tt
     join cams c on c.k = (g * 13 + $2) % (select count(*) from cams)`,
  );
  await client.query("vacuum analyze");
}
