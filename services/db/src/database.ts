/**
 * Opens the database: PostgreSQL through `pg` when a URL is given, else embedded PGlite (real
 * PostgreSQL in WASM) under DATA_DIR. The only module that knows which one it is.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, type Migration, type MigrationResultSet, Migrator, PostgresDialect, sql } from "kysely";
import { KyselyPGlite } from "kysely-pglite";
import pg from "pg";
import * as m0001 from "./migrations/0001-initial.js";
import * as m0002 from "./migrations/0002-alerts.js";
import * as m0003 from "./migrations/0003-cases.js";
import * as m0004 from "./migrations/0004-ingest.js";
import * as m0005 from "./migrations/0005-analytics.js";
import * as m0006 from "./migrations/0006-alert-folds.js";
import * as m0007 from "./migrations/0007-alert-frames.js";
import * as m0008 from "./migrations/0008-plan.js";
import * as m0009 from "./migrations/0009-camera-uptime.js";
import * as m0010 from "./migrations/0010-public.js";
import * as m0011 from "./migrations/0011-recordings.js";
import * as m0012 from "./migrations/0012-model-versions.js";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: "postgres" | "pglite";
  /** `select 1` with a timeout; resolves false instead of throwing. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

// bigint (int8, e.g. events.seq and counts) as string, never as a lossy number.
pg.types.setTypeParser(20, (v) => v);
/** A `date` column (a calendar day, no time zone) as its text, YYYY-MM-DD: never a Date at local midnight. */
const DATE_OID = 1082;
pg.types.setTypeParser(DATE_OID, (v) => v);

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  /** PGlite location; default DATA_DIR/pglite. `memory://` for a throw-away database. */
  pgliteDir?: string;
}): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
    pool.on("error", () => {
      // An idle client lost its connection (database restarted); the pool replaces it. /readyz reports it.
    });
    // A client checked out between two queries (inside a transaction) that loses its connection emits
    // 'error' with no listener of the pool's: without this one the process would die of an uncaught
    // ECONNRESET when the database goes away. Its next query fails, the transaction rolls back, and the
    // pool drops the broken client when it is released.
    pool.on("connect", (client) => {
      client.on("error", () => {});
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: "postgres", ping: (t) => ping(db, t), close: () => db.destroy() };
  }
  const dir = opts.pgliteDir ?? path.join(opts.dataDir, "pglite");
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir, { parsers: { [DATE_OID]: (v: string) => v } });
  const db = new Kysely<Database>({ dialect: new KyselyPGlite(client).dialect });
  return {
    db,
    kind: "pglite",
    ping: (t) => ping(db, t),
    close: async () => {
      await db.destroy();
      if (!client.closed) await client.close();
    },
  };
}

async function ping(db: Db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export const MIGRATIONS: Record<string, Migration> = {
  "0001-initial": m0001,
  "0002-alerts": m0002,
  "0003-cases": m0003,
  "0004-ingest": m0004,
  "0005-analytics": m0005,
  "0006-alert-folds": m0006,
  "0007-alert-frames": m0007,
  "0008-plan": m0008,
  "0009-camera-uptime": m0009,
  "0010-public": m0010,
  "0011-recordings": m0011,
  "0012-model-versions": m0012,
};

export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: "mingfang_migrations",
    migrationLockTableName: "mingfang_migrations_lock",
    // Migrations are numbered per capability and independent of each other; a data directory made while
    // a later-numbered one landed first must still take the earlier one.
    allowUnorderedMigrations: true,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error");
    throw new Error(
      `migration ${failed?.migrationName ?? "?"} failed: ${(result.error as Error).message ?? result.error}`,
    );
  }
  return result;
}
