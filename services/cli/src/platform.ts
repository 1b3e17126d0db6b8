/**
 * Starts the platform's infrastructure (secret, Redis, database, migrations) and the roles asked for.
 * The same code runs the demo (everything in one process, embedded defaults) and production
 * (any subset of roles per process, real engines by URL).
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { rulesFromCameraRow, type StartAnalyticsOptions, startAnalytics } from "@mingfang/analytics";
import { buildApp } from "@mingfang/api";
import {
  type Config,
  createRedis,
  type DatabaseHandle,
  ensureAdmin,
  Keyring,
  type Logger,
  loadOrCreateSecret,
  migrateToLatest,
  openDatabase,
  type PrivateRedis,
  type Redis,
  resolveDataDir,
  startPrivateRedis,
} from "@mingfang/core";
import { cameraStreamPath, IngestService, NmsServer } from "@mingfang/ingest";
import type { FastifyInstance } from "fastify";

export const ROLE_NAMES = ["api", "ingest", "analytics"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export function parseRoles(s: string): RoleName[] {
  const roles = s
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  if (roles.length === 0) throw new Error("--roles: give at least one of api, ingest, analytics");
  for (const r of roles) {
    if (!(ROLE_NAMES as readonly string[]).includes(r)) {
      throw new Error(
        `--roles: unknown role '${r}' (expected a comma-separated subset of api,ingest,analytics)`,
      );
    }
  }
  return [...new Set(roles)] as RoleName[];
}

export interface Infra {
  dataDir: string;
  keyring: Keyring;
  secretGenerated: boolean;
  database: DatabaseHandle;
  redisUrl: string;
  redis: Redis;
  privateRedis?: PrivateRedis;
  close(): Promise<void>;
}

export async function openInfra(
  config: Config,
  logger: Logger,
  opts: { redis?: boolean } = {},
): Promise<Infra> {
  const dataDir = resolveDataDir(config);
  mkdirSync(dataDir, { recursive: true });
  const { secret, generated } = loadOrCreateSecret(config.MINGFANG_SECRET, dataDir);
  if (generated) logger.info({ file: path.join(dataDir, "secret.key") }, "generated a new platform secret");
  const keyring = new Keyring(secret);
  const closers: (() => Promise<void>)[] = [];
  try {
    let privateRedis: PrivateRedis | undefined;
    let redisUrl = config.REDIS_URL;
    if (opts.redis !== false && !redisUrl) {
      privateRedis = await startPrivateRedis({
        dir: path.join(dataDir, "redis"),
        logger: logger.child({ component: "redis" }),
      });
      closers.unshift(() => privateRedis!.stop());
      redisUrl = privateRedis.url;
      logger.info({ url: redisUrl }, "private redis-server started");
    }
    const redis = redisUrl ? createRedis(redisUrl) : (undefined as unknown as Redis);
    if (redis) {
      redis.on("error", (err) => logger.warn({ err }, "redis connection error"));
      closers.unshift(async () => {
        redis.disconnect();
      });
    }
    const database = await openDatabase(
      config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL, dataDir } : { dataDir },
    );
    closers.unshift(() => database.close());
    logger.info({ kind: database.kind }, "database opened");
    const migrations = await migrateToLatest(database.db);
    const applied =
      migrations.results?.filter((r) => r.status === "Success").map((r) => r.migrationName) ?? [];
    if (applied.length) logger.info({ applied }, "migrations applied");
    return {
      dataDir,
      keyring,
      secretGenerated: generated,
      database,
      redisUrl: redisUrl ?? "",
      redis,
      ...(privateRedis ? { privateRedis } : {}),
      close: async () => {
        for (const c of closers) await c().catch((err) => logger.warn({ err }, "close failed"));
      },
    };
  } catch (err) {
    for (const c of closers) await c().catch(() => {});
    throw err;
  }
}

export interface Platform {
  infra: Infra;
  app?: FastifyInstance;
  ingest?: IngestService;
  url?: string;
  adminPassword?: string;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /**
   * Runs after migrations, before the roles start (the demo seeds and starts the camera simulator here).
   * What it returns is stopped last.
   */
  prepare?: (infra: Infra) => Promise<(() => Promise<void>) | undefined>;
  /** Ingest only these cameras (the demo's --cameras N). */
  cameraIds?: number[];
}

/** A second Redis connection as BullMQ wants it (no per-command retry limit). */
function connector(infra: Infra, logger: Logger): () => Redis {
  return () => {
    const r = createRedis(infra.redisUrl, { maxRetriesPerRequest: null });
    r.on("error", (err) => logger.debug({ err }, "redis connection error"));
    return r;
  };
}

export async function startPlatform(
  config: Config,
  logger: Logger,
  roles: RoleName[],
  opts: PlatformOptions = {},
): Promise<Platform> {
  const infra = await openInfra(config, logger);
  let app: FastifyInstance | undefined;
  let ingest: IngestService | undefined;
  // Stopped in reverse order of starting.
  const stoppers: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of stoppers.reverse()) {
      await s.stop().catch((err) => logger.warn({ err, role: s.name }, "stop failed"));
    }
    stoppers.length = 0;
    await infra.close();
  };
  try {
    const admin = await ensureAdmin(infra.database.db, config.MINGFANG_ADMIN_PASSWORD);
    const prepared = await opts.prepare?.(infra);
    if (prepared) stoppers.push({ name: "prepared", stop: prepared });
    for (const role of roles) {
      if (role === "api") {
        app = await buildApp({
          config,
          db: infra.database.db,
          pingDb: infra.database.ping,
          redis: infra.redis,
          keyring: infra.keyring,
          logger,
        });
        const a = app;
        stoppers.push({ name: "api", stop: () => a.close() });
        await app.listen({ port: config.PORT, host: config.HOST });
      } else if (role === "ingest") {
        // node-media-server: RTMP push cameras, and each camera republished for low-latency FLV live view.
        let nms: NmsServer | undefined;
        if (config.RTMP_PORT > 0) {
          const server = new NmsServer({
            bind: config.RTMP_BIND,
            rtmpPort: config.RTMP_PORT,
            httpPort: config.NMS_HTTP_PORT,
            dataDir: path.join(infra.dataDir, "nms"),
            keyring: infra.keyring,
            log: (line) => logger.info({ component: "nms" }, line),
          });
          stoppers.push({ name: "nms", stop: () => server.stop() });
          await server.start();
          nms = server;
        }
        const svc = new IngestService({
          db: infra.database.db,
          keyring: infra.keyring,
          redis: infra.redis,
          connect: connector(infra, logger),
          logger,
          dataDir: infra.dataDir,
          settings: {
            analysisFps: config.ANALYSIS_FPS,
            segmentSeconds: config.HLS_SEGMENT_SECONDS,
            stallSeconds: config.CAMERA_STALL_SECONDS,
            ...(nms
              ? {
                  republishUrl: (id: number) => nms.publishUrl(cameraStreamPath(id), 86_400),
                  // A push camera is pulled from our own node-media-server, which wants its play signature.
                  signSource: (url: string) => nms.signPull(url),
                }
              : {}),
          },
          ...(opts.cameraIds ? { cameraIds: opts.cameraIds } : {}),
        });
        ingest = svc;
        stoppers.push({ name: "ingest", stop: () => svc.stop() });
        await svc.start();
      } else if (role === "analytics") {
        const analytics = await startAnalytics({
          redisUrl: infra.redisUrl,
          logger,
          config: analyticsConfigFile(),
          cameraRules: cameraRulesFromDb(infra),
          // With the api role in this process, the analytics metrics join its /metrics.
          ...(app
            ? { registry: (app as unknown as { metrics: StartAnalyticsOptions["registry"] }).metrics }
            : {}),
        });
        stoppers.push({ name: "analytics", stop: () => analytics.stop() });
      }
    }
    const addr = app?.server.address();
    const url = addr && typeof addr === "object" ? `http://localhost:${addr.port}` : undefined;
    let stopping: Promise<void> | undefined;
    return {
      infra,
      ...(app ? { app } : {}),
      ...(ingest ? { ingest } : {}),
      ...(url ? { url } : {}),
      ...(admin.generatedPassword ? { adminPassword: admin.generatedPassword } : {}),
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Analytics configuration: the JSON file named by MINGFANG_ANALYTICS_CONFIG, else the defaults. */
function analyticsConfigFile(): unknown {
  const file = process.env.MINGFANG_ANALYTICS_CONFIG;
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(path.resolve(file), "utf8"));
  } catch (err) {
    throw new Error(`MINGFANG_ANALYTICS_CONFIG: cannot read JSON file ${file}: ${(err as Error).message}`);
  }
}

/** A camera's analytics rules from its row (zones, schedule, overrides) and its workshop's hours; 30 s cache. */
function cameraRulesFromDb(infra: Infra): (cameraId: number) => Promise<unknown> {
  const cache = new Map<number, { at: number; rules: unknown }>();
  return async (cameraId) => {
    const hit = cache.get(cameraId);
    if (hit && Date.now() - hit.at < 30_000) return hit.rules;
    const row = await infra.database.db
      .selectFrom("cameras")
      .innerJoin("workshops", "workshops.id", "cameras.workshop_id")
      .select(["cameras.zones", "cameras.schedule", "cameras.analytics", "workshops.working_hours"])
      .where("cameras.id", "=", cameraId)
      .executeTakeFirst();
    const rules = row
      ? rulesFromCameraRow({
          zones: row.zones,
          schedule: row.schedule,
          analytics: row.analytics,
          workingHours: row.working_hours,
        })
      : {};
    cache.set(cameraId, { at: Date.now(), rules });
    return rules;
  };
}
