#!/usr/bin/env node
/**
 * bench/assessment: the year-end assessment of the whole district (`GET /api/assessment/:year` and its
 * workbook, 19 sheets) over a calendar year of generated data, in the shape of bench/dashboard's: a fresh
 * database on the local PostgreSQL (created and dropped by bench/support/year-of-data.mjs), migrated and
 * seeded with the 18 stations, the pilot workshops and their cameras; last year's status changes of 42
 * cameras (4 a day), 100k alerts (80% acknowledged) and 5k cases (half of them closed, with every outcome),
 * spread over last year's 1 January – 31 December (Beijing time). Timed warm: the figures alone (the
 * service), the JSON route, and the workbook route (streamed, read to its end), p50/p95 of N runs; then the
 * CLI's writer to a file.
 *
 *   npm run build && node bench/assessment/run.mjs [--runs 10] [--alerts 100000] [--cases 5000]
 *   PG_URL=postgres://postgres@127.0.0.1:5432/postgres (the server's admin URL; the default)
 */
import { statSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { AssessmentRepository } from "../../services/api/dist/assessment/assessment.repository.js";
import { AssessmentService } from "../../services/api/dist/assessment/assessment.service.js";
import { DashboardRepository } from "../../services/api/dist/dashboard/dashboard.repository.js";
import { DashboardService, resolvePeriod } from "../../services/api/dist/dashboard/dashboard.service.js";
import { writeAssessmentFile } from "../../services/cli/dist/assessment.js";
import { login } from "../support/app.mjs";
import { arg, ms, timed as timedAfter } from "../support/stats.mjs";
import { PASSWORD, withYearOfData } from "../support/year-of-data.mjs";

const RUNS = arg("--runs", 10);
const ALERTS = arg("--alerts", 100_000);
const CASES = arg("--cases", 5_000);
const YEAR = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() - 1;
/** Last year's first instant (Beijing time) as SQL, and its length. */
const Y0 = `timestamptz '${YEAR}-01-01 00:00:00+08'`;
const YLEN = `(timestamptz '${YEAR + 1}-01-01 00:00:00+08' - ${Y0})`;
/** p50/p95 of `n` runs after 2 warm ones (each run here is long). */
const timed = (n, fn) => timedAfter(n, fn, 2);

async function measure({ app, db, dir }) {
  const admin = await login(app, "admin", PASSWORD);
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

await withYearOfData(
  {
    label: "assessment",
    heading: () =>
      `generating the year ${YEAR}: ${ALERTS} alerts, ${CASES} cases, 42 cameras' status history`,
    start: Y0,
    length: YLEN,
    alerts: ALERTS,
    cases: CASES,
    outcomes: ["rectified", "violation_confirmed", "false_alarm", "penalised", "transferred"],
  },
  measure,
);
