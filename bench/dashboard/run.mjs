#!/usr/bin/env node
/**
 * bench/dashboard: `GET /api/dashboard` over a year of generated data, against `select count(*) from
 * alerts` over the same period in the same run (the least any answer about the period's alerts costs).
 *
 * A fresh database on the local PostgreSQL (created and dropped by bench/support/year-of-data.mjs),
 * migrated and seeded with the 18 stations, the pilot workshops and their cameras; then, in batches with
 * progress printed: a year of status changes of every camera (about 4 a day each), 100k alerts (80%
 * acknowledged) and 5k cases, all spread over the last 365 days. The real API (fastify, `inject`, a private
 * Redis with every camera reported online) answers the period of the last 366 days for the district (the
 * bureau) and for one station (its staff). Warm p50/p95 of N runs each, the baseline's, and the ratio; then
 * the time of each of the dashboard's queries alone (they run in parallel in the route).
 *
 *   npm run build && node bench/dashboard/run.mjs [--runs 30] [--alerts 100000] [--cases 5000]
 *   PG_URL=postgres://postgres@127.0.0.1:5432/postgres (the server's admin URL; the default)
 */
import { loadavg } from "node:os";
import { DashboardRepository } from "../../services/api/dist/dashboard/dashboard.repository.js";
import { resolvePeriod } from "../../services/api/dist/dashboard/dashboard.service.js";
import { REDIS_KEYS } from "../../services/core/dist/index.js";
import { login } from "../support/app.mjs";
import { arg, ms, timed } from "../support/stats.mjs";
import { LAST_365_DAYS, PASSWORD, withYearOfData } from "../support/year-of-data.mjs";

const RUNS = arg("--runs", 30);
const ALERTS = arg("--alerts", 100_000);
const CASES = arg("--cases", 5_000);

/** Every camera reported online, as the ingest would. */
async function allOnline({ client, redis }) {
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
}

async function measure({ app, client, db }) {
  const now = new Date();
  const p = resolvePeriod(
    { from: new Date(now.getTime() - 365 * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10) },
    now,
  );
  const q = `from=${p.from}&to=${p.to}`;
  const bureau = await login(app, "admin", PASSWORD);
  const staff = await login(app, "mingshui.staff", PASSWORD);
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

await withYearOfData(
  {
    ...LAST_365_DAYS,
    label: "dashboard",
    alerts: ALERTS,
    cases: CASES,
    outcomes: ["rectified"],
    prepare: allOnline,
  },
  measure,
);
