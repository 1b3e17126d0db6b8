/**
 * Starts the platform's infrastructure (secret, Redis, database, migrations) and the roles asked for.
 * The same code runs the demo (everything in one process, embedded defaults) and production
 * (any subset of roles per process, real engines by URL).
 */
import { type Config, type Logger, resolveInstalledModelsDir } from "@mingfang/core";
import type { IngestService } from "@mingfang/ingest";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { type Infra, openInfra } from "./infra.js";
import { startInternal } from "./internal.js";
import { createProcessRegistry } from "./metrics-server.js";
import { type Stopper, startAnalyticsRole, startApiRole, startIngestRole } from "./roles.js";

export { type DbInfra, type Infra, openInfra, requireDatabase } from "./infra.js";

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

/**
 * The API owns the database; the analytics reads each camera's rules from it. The ingest alone needs none:
 * it runs on the camera specs the API keeps in Redis.
 */
export function rolesNeedDatabase(roles: readonly RoleName[]): boolean {
  return roles.some((r) => r !== "ingest");
}

export interface Platform {
  infra: Infra;
  app?: FastifyInstance;
  ingest?: IngestService;
  url?: string;
  /** The port of the internal listener (INTERNAL_PORT), when there is one. */
  internalPort?: number;
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

interface Started {
  app?: FastifyInstance;
  ingest?: IngestService;
  /** The metrics of a process without the api role (served on INTERNAL_PORT). */
  registry?: Registry;
}

/**
 * Where the ingest and analytics register their metrics: the API's registry (its /metrics) when the api
 * role runs here, else a registry of this process (served by the internal listener, INTERNAL_PORT).
 */
function rolesRegistry(roles: RoleName[], started: Started): Registry | undefined {
  if (started.app) return (started.app as unknown as { metrics: Registry }).metrics;
  if (!roles.some((r) => r !== "api")) return undefined;
  started.registry = createProcessRegistry(`mingfang-${roles.join("-")}`);
  return started.registry;
}

/** The roles, the api first (the others put their metrics on its registry); each pushes its stopper. */
async function startRoles(
  config: Config,
  logger: Logger,
  roles: RoleName[],
  infra: Infra,
  stoppers: Stopper[],
  cameraIds: number[] | undefined,
): Promise<Started> {
  const started: Started = {};
  if (roles.includes("api")) started.app = await startApiRole(config, logger, infra, stoppers);
  const registry = rolesRegistry(roles, started);
  if (roles.includes("ingest"))
    started.ingest = await startIngestRole(config, logger, infra, stoppers, { cameraIds, registry });
  if (roles.includes("analytics"))
    await startAnalyticsRole(
      logger,
      infra,
      stoppers,
      registry,
      resolveInstalledModelsDir(config),
      config.MODEL_EXECUTION_PROVIDER,
    );
  return started;
}

/** The first admin (when there is a database), then what the caller prepares. */
async function prepareInfra(config: Config, infra: Infra, opts: PlatformOptions, stoppers: Stopper[]) {
  let adminPassword: string | undefined;
  if (infra.database) {
    const { ensureAdmin } = await import("@mingfang/db");
    adminPassword = (await ensureAdmin(infra.database.db, config.MINGFANG_ADMIN_PASSWORD)).generatedPassword;
  }
  const prepared = await opts.prepare?.(infra);
  if (prepared) stoppers.push({ name: "prepared", stop: prepared });
  return adminPassword;
}

export async function startPlatform(
  config: Config,
  logger: Logger,
  roles: RoleName[],
  opts: PlatformOptions = {},
): Promise<Platform> {
  const infra = await openInfra(config, logger, { database: rolesNeedDatabase(roles) || !!opts.prepare });
  // Stopped in reverse order of starting.
  const stoppers: Stopper[] = [];
  const stopAll = async () => {
    for (const s of stoppers.reverse()) {
      await s.stop().catch((err) => logger.warn({ err, role: s.name }, "stop failed"));
    }
    stoppers.length = 0;
    await infra.close();
  };
  try {
    const adminPassword = await prepareInfra(config, infra, opts, stoppers);
    const { app, ingest, registry } = await startRoles(
      config,
      logger,
      roles,
      infra,
      stoppers,
      opts.cameraIds,
    );
    const internalPort = await startInternal(config, logger, infra, { app, registry }, stoppers);
    const addr = app?.server.address();
    const url = addr && typeof addr === "object" ? `http://localhost:${addr.port}` : undefined;
    let stopping: Promise<void> | undefined;
    return {
      infra,
      ...(app ? { app } : {}),
      ...(ingest ? { ingest } : {}),
      ...(url ? { url } : {}),
      ...(internalPort !== undefined ? { internalPort } : {}),
      ...(adminPassword ? { adminPassword } : {}),
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
