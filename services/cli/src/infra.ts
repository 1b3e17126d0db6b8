/**
 * The platform's infrastructure: the secret, Redis (a private redis-server unless REDIS_URL is set) and,
 * for the roles and commands that need it, the database with its migrations applied. The database package
 * (PGlite, pg, Kysely, argon2) is imported only when the database is opened, so that an ingest-only process
 * never loads a database driver.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  type Config,
  createRedis,
  Keyring,
  type Logger,
  loadOrCreateSecret,
  type Redis,
  resolveDataDir,
} from "@mingfang/core";
import type { DatabaseHandle } from "@mingfang/db";
import { type PrivateRedis, startPrivateRedis } from "@mingfang/process";

export interface Infra {
  dataDir: string;
  keyring: Keyring;
  secretGenerated: boolean;
  /** Absent when the process runs no role that needs it (ingest only). */
  database?: DatabaseHandle;
  redisUrl: string;
  redis: Redis;
  privateRedis?: PrivateRedis;
  close(): Promise<void>;
}

export type DbInfra = Infra & { database: DatabaseHandle };

export interface InfraOptions {
  /** Default true; false: no Redis at all (migrate, seed, user commands). */
  redis?: boolean;
  /** Default true; false: no database (the ingest role alone). */
  database?: boolean;
}

/** The database of an infrastructure opened with one; throws when it was opened without. */
export function requireDatabase(infra: Infra): DatabaseHandle {
  if (!infra.database) throw new Error("this process opened no database (no role here needs one)");
  return infra.database;
}

/** Stops what was started, last first. */
class Closers {
  private readonly list: (() => Promise<void>)[] = [];
  add(c: () => Promise<void>): void {
    this.list.unshift(c);
  }
  async run(onError: (err: unknown) => void): Promise<void> {
    for (const c of this.list) await c().catch(onError);
  }
}

export async function openInfra(
  config: Config,
  logger: Logger,
  opts?: InfraOptions & { database?: true },
): Promise<DbInfra>;
export async function openInfra(config: Config, logger: Logger, opts: InfraOptions): Promise<Infra>;
export async function openInfra(config: Config, logger: Logger, opts: InfraOptions = {}): Promise<Infra> {
  const dataDir = resolveDataDir(config);
  mkdirSync(dataDir, { recursive: true });
  const { secret, generated } = loadOrCreateSecret(config.MINGFANG_SECRET, dataDir);
  if (generated) logger.info({ file: path.join(dataDir, "secret.key") }, "generated a new platform secret");
  const closers = new Closers();
  try {
    const redis = await openRedis(config, dataDir, logger, closers, opts.redis !== false);
    const database =
      opts.database === false ? undefined : await openMigratedDatabase(config, dataDir, logger, closers);
    return {
      dataDir,
      keyring: new Keyring(secret),
      secretGenerated: generated,
      ...(database ? { database } : {}),
      redisUrl: redis?.url ?? "",
      redis: redis?.client ?? (undefined as unknown as Redis),
      ...(redis?.privateRedis ? { privateRedis: redis.privateRedis } : {}),
      close: () => closers.run((err) => logger.warn({ err }, "close failed")),
    };
  } catch (err) {
    await closers.run(() => {});
    throw err;
  }
}

/**
 * REDIS_URL, else (when wanted) a private redis-server under DATA_DIR/redis; the command connection, or
 * undefined when there is no Redis.
 */
async function openRedis(config: Config, dataDir: string, logger: Logger, closers: Closers, wanted: boolean) {
  let privateRedis: PrivateRedis | undefined;
  let url = config.REDIS_URL;
  if (wanted && !url) {
    privateRedis = await startPrivateRedis({
      dir: path.join(dataDir, "redis"),
      logger: logger.child({ component: "redis" }),
    });
    const started = privateRedis;
    closers.add(() => started.stop());
    url = privateRedis.url;
    logger.info({ url }, "private redis-server started");
  }
  if (!url) return undefined;
  const client = createRedis(url);
  client.on("error", (err) => logger.warn({ err }, "redis connection error"));
  closers.add(async () => {
    client.disconnect();
  });
  return { url, client, privateRedis };
}

/** PostgreSQL by DATABASE_URL, else embedded PGlite under DATA_DIR; migrated to the latest schema. */
async function openMigratedDatabase(
  config: Config,
  dataDir: string,
  logger: Logger,
  closers: Closers,
): Promise<DatabaseHandle> {
  const { migrateToLatest, openDatabase } = await import("@mingfang/db");
  const database = await openDatabase(
    config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL, dataDir } : { dataDir },
  );
  closers.add(() => database.close());
  logger.info({ kind: database.kind }, "database opened");
  const migrations = await migrateToLatest(database.db);
  const applied = migrations.results?.filter((r) => r.status === "Success").map((r) => r.migrationName) ?? [];
  if (applied.length) logger.info({ applied }, "migrations applied");
  return database;
}
