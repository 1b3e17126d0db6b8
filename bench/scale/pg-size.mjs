#!/usr/bin/env node
/**
 * bench/scale pg-size: what a year of a district's data takes in PostgreSQL, for sizing (docs/scaling.md).
 * The same generated year as bench/dashboard (bench/support/year-of-data.mjs: 42 cameras' status history,
 * 100k alerts, 5k cases, in a fresh database on the local PostgreSQL), then each table's size with its
 * indexes and TOAST (pg_total_relation_size) and the bytes per row, largest first.
 *
 *   npm run build && node bench/scale/pg-size.mjs [--alerts 100000] [--cases 5000]
 *   PG_URL=postgres://postgres@127.0.0.1:5432/postgres (the server's admin URL; the default)
 */
import { arg } from "../support/stats.mjs";
import { LAST_365_DAYS, withYearOfData } from "../support/year-of-data.mjs";

const ALERTS = arg("--alerts", 100_000);
const CASES = arg("--cases", 5_000);

async function measure({ client }) {
  await client.query("vacuum analyze");
  const { rows } = await client.query(`
    select c.relname as name, pg_total_relation_size(c.oid) as bytes
    from pg_class c join pg_stat_user_tables s on s.relid = c.oid
    where c.relkind = 'r' order by bytes desc`);
  // Exact counts: the statistics' n_live_tup is an estimate (seen twice the rows right after a bulk load).
  for (const r of rows) r.rows = (await client.query(`select count(*)::int as n from "${r.name}"`)).rows[0].n;
  const mib = (b) => (Number(b) / 2 ** 20).toFixed(1);
  console.log("\ntable                      rows       MiB (with indexes)   bytes per row");
  for (const r of rows.filter((x) => Number(x.bytes) > 256 * 1024))
    console.log(
      `${r.name.padEnd(24)} ${String(r.rows).padStart(8)} ${mib(r.bytes).padStart(14)} ${(Number(r.bytes) / Math.max(1, Number(r.rows))).toFixed(0).padStart(16)}`,
    );
  const db = (await client.query("select pg_database_size(current_database()) as b")).rows[0].b;
  console.log(`\ndatabase in all: ${mib(db)} MiB`);
}

await withYearOfData(
  {
    ...LAST_365_DAYS,
    label: "pg-size",
    alerts: ALERTS,
    cases: CASES,
    outcomes: ["rectified"],
  },
  measure,
);
