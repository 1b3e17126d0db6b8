/**
 * Starts the platform's infrastructure (secret, Redis, database, migrations) and the roles asked for.
 * The same code runs the demo (everything in one process, embedded defaults) and production
 * (any subset of roles per process, real engines by URL).
 */
import { type Config, type Logger, resolveInstalledModelsDir } from "@mingfang/core";
import type { IngestService } from "@mingfang/ingest";
import type { FastifyInstance } from "fastify";
import { type Infra, openInfra } from "./infra.js";
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
}

/** The roles in the order given; each pushes its stopper as soon as it has something to stop. */
async function startRoles(
  config: Config,
  logger: Logger,
  roles: RoleName[],
  infra: Infra,
  stoppers: Stopper[],
  cameraIds: number[] | undefined,
): Promise<Started> {
  const started: Started = {};
  for (const role of roles) {
    if (role === "api") started.app = await startApiRole(config, logger, infra, stoppers);
    else if (role === "ingest")
      started.ingest = await startIngestRole(config, logger, infra, stoppers, cameraIds);
    else if (role === "analytics")
      await startAnalyticsRole(
        logger,
        infra,
        stoppers,
        started.app,
        resolveInstalledModelsDir(config),
        config.MODEL_EXECUTION_PROVIDER,
      );
  }
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
    const { app, ingest } = await startRoles(config, logger, roles, infra, stoppers, opts.cameraIds);
    const addr = app?.server.address();
    const url = addr && typeof addr === "object" ? `http://localhost:${addr.port}` : undefined;
    let stopping: Promise<void> | undefined;
    return {
      infra,
      ...(app ? { app } : {}),
      ...(ingest ? { ingest } : {}),
      ...(url ? { url } : {}),
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
