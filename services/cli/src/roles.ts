/**
 * Starting each role of `mingfang serve --roles …`. Each role's package is imported when the role starts,
 * not before: an ingest-only process loads neither the API (and with it the database package) nor the
 * analytics (onnxruntime, sharp).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Config, createRedis, type Logger, type Redis } from "@mingfang/core";
import type { IngestService, NmsServer } from "@mingfang/ingest";
import type { Registry } from "prom-client";
import { CliRepository } from "./cli.repository.js";
import { type Infra, requireDatabase } from "./infra.js";

/** How a started role is stopped. */
export interface Stopper {
  name: string;
  stop: () => Promise<void>;
}

/** The API, listening; its camera specs for the ingest rewritten from the table first. */
export async function startApiRole(config: Config, logger: Logger, infra: Infra, stoppers: Stopper[]) {
  const { buildApp, resyncCameraSpecs } = await import("@mingfang/api");
  const database = requireDatabase(infra);
  const app = await buildApp({
    config,
    db: database.db,
    pingDb: database.ping,
    redis: infra.redis,
    keyring: infra.keyring,
    logger,
  });
  stoppers.push({ name: "api", stop: () => app.close() });
  // Redis being down must not keep the API from starting: the ingest then runs on the specs it had.
  await resyncCameraSpecs({ db: database.db, redis: infra.redis, logger }).catch((err) =>
    logger.warn({ err }, "camera specs not resynced for the ingest"),
  );
  await app.listen({ port: config.PORT, host: config.HOST });
  return app;
}

/** A second Redis connection as BullMQ wants it (no per-command retry limit). */
function connector(infra: Infra, logger: Logger): () => Redis {
  return () => {
    const r = createRedis(infra.redisUrl, { maxRetriesPerRequest: null });
    r.on("error", (err) => logger.debug({ err }, "redis connection error"));
    return r;
  };
}

/** node-media-server: RTMP push cameras, and each camera republished for low-latency FLV live view. */
async function startNms(config: Config, logger: Logger, infra: Infra, stoppers: Stopper[]) {
  if (config.RTMP_PORT <= 0) return undefined;
  const { NmsServer } = await import("@mingfang/ingest");
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
  return server;
}

/** Republishing to and pulling push cameras from our own node-media-server, when it runs. */
function nmsSettings(nms: NmsServer | undefined, cameraStreamPath: (id: number) => string) {
  if (!nms) return {};
  return {
    republishUrl: (id: number) => nms.publishUrl(cameraStreamPath(id), 86_400),
    // A push camera is pulled from our own node-media-server, which wants its play signature.
    signSource: (url: string) => nms.signPull(url),
  };
}

/** Leases between ingest nodes: asked for, or by default whenever Redis is shared (REDIS_URL set). */
function ingestShared(config: Config): boolean {
  return config.INGEST_LEASES === "on" || (config.INGEST_LEASES === "auto" && !!config.REDIS_URL);
}

/** The ingest's frame and status sinks, counted by its metrics (ingest-metrics.ts) when there is a registry. */
async function ingestSinks(
  infra: Infra,
  logger: Logger,
  stoppers: Stopper[],
  registry: Registry | undefined,
) {
  if (!registry) return { attach: () => {}, metrics: undefined };
  const { QueueFrameSink, registerIngestMetrics } = await import("@mingfang/ingest");
  const metrics = registerIngestMetrics(registry);
  const connection = connector(infra, logger)();
  // Pushed before the ingest's stopper: disconnected after the ingest closed the sink.
  stoppers.push({ name: "ingest-queue", stop: async () => void connection.disconnect() });
  return {
    frames: metrics.frameSink(new QueueFrameSink(infra.redis, connection)),
    attach: (svc: IngestService) => metrics.attach(svc),
    metrics,
  };
}

/** The ingest: the cameras the API published in Redis (no database), each pipeline supervised. */
export async function startIngestRole(
  config: Config,
  logger: Logger,
  infra: Infra,
  stoppers: Stopper[],
  opts: { cameraIds: number[] | undefined; registry: Registry | undefined },
): Promise<IngestService> {
  const { cameraIds } = opts;
  const nms = await startNms(config, logger, infra, stoppers);
  const { cameraStreamPath, defaultNodeId, IngestService, RedisCameraSource } = await import(
    "@mingfang/ingest"
  );
  const { attach, metrics, ...sinks } = await ingestSinks(infra, logger, stoppers, opts.registry);
  const svc = new IngestService({
    ...sinks,
    cameras: new RedisCameraSource(infra.redis),
    keyring: infra.keyring,
    redis: infra.redis,
    connect: connector(infra, logger),
    logger,
    dataDir: infra.dataDir,
    settings: {
      analysisFps: config.ANALYSIS_FPS,
      segmentSeconds: config.HLS_SEGMENT_SECONDS,
      bufferSeconds: config.RECORDING_BUFFER_SECONDS,
      stallSeconds: config.CAMERA_STALL_SECONDS,
      ...nmsSettings(nms, cameraStreamPath),
    },
    ...(cameraIds ? { cameraIds } : {}),
    ...(ingestShared(config)
      ? {
          node: {
            id: config.INGEST_NODE_ID ?? defaultNodeId(),
            leaseTtlMs: config.INGEST_LEASE_TTL_SECONDS * 1000,
            ...(metrics ? { onLeaseMove: (reason: string) => metrics.leaseMoves.inc({ reason }) } : {}),
          },
        }
      : {}),
  });
  attach(svc);
  stoppers.push({ name: "ingest", stop: () => svc.stop() });
  await svc.start();
  return svc;
}

/** The analytics worker; its metrics on the process's registry (the API's /metrics, or INTERNAL_PORT's). */
export async function startAnalyticsRole(
  logger: Logger,
  infra: Infra,
  stoppers: Stopper[],
  registry: Registry | undefined,
  installedModelsDir: string,
  executionProvider: Config["MODEL_EXECUTION_PROVIDER"] = "cpu",
): Promise<void> {
  const { rulesFromCameraRow, startAnalytics } = await import("@mingfang/analytics");
  const analytics = await startAnalytics({
    redisUrl: infra.redisUrl,
    logger,
    // Models installed by `mingfang models retrain` first (a configuration file may name another folder).
    config: {
      installedModelsDir,
      executionProvider,
      ...(analyticsConfigFile() as Record<string, unknown> | undefined),
    },
    cameraRules: cameraRulesFromDb(infra, rulesFromCameraRow),
    ...(registry ? { registry } : {}),
  });
  stoppers.push({ name: "analytics", stop: () => analytics.stop() });
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

type RulesFromRow = typeof import("@mingfang/analytics").rulesFromCameraRow;

/** A camera's analytics rules from its row (zones, schedule, overrides) and its workshop's hours; 30 s cache. */
function cameraRulesFromDb(
  infra: Infra,
  rulesFromCameraRow: RulesFromRow,
): (cameraId: number) => Promise<unknown> {
  const repo = new CliRepository(requireDatabase(infra).db);
  const cache = new Map<number, { at: number; rules: unknown }>();
  return async (cameraId) => {
    const hit = cache.get(cameraId);
    if (hit && Date.now() - hit.at < 30_000) return hit.rules;
    const row = await repo.cameraRulesRow(cameraId);
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
