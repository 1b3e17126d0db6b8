/**
 * The operators' listener (INTERNAL_PORT on INTERNAL_HOST), when the setting is given. In a process with the
 * api role it serves the API's routes, /metrics and /api/docs among them (which PORT then refuses); in one
 * without (ingest, analytics: no HTTP of their own) it answers /healthz (the process is up), /readyz (its
 * Redis and, when it opened one, its database reachable) for the container's health check, and /metrics
 * (the process's registry) for Prometheus.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Config, type Logger, pingRedis } from "@mingfang/core";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Infra } from "./infra.js";
import { createProcessRegistry } from "./metrics-server.js";
import type { Stopper } from "./roles.js";

/** /readyz of a process without the API: the shape of the API's own. */
async function readiness(
  infra: Infra,
): Promise<{ status: "ok" | "unavailable"; redis: boolean; database?: boolean }> {
  const [redis, database] = await Promise.all([
    pingRedis(infra.redis, 2000),
    infra.database ? infra.database.ping(2000) : Promise.resolve(undefined),
  ]);
  const ok = redis && database !== false;
  return { status: ok ? "ok" : "unavailable", redis, ...(database === undefined ? {} : { database }) };
}

function metrics(registry: Registry, res: http.ServerResponse, logger: Logger): void {
  registry.metrics().then(
    (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
    (err: Error) => {
      logger.warn({ err }, "metrics collection failed");
      res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
    },
  );
}

function workerServer(infra: Infra, registry: Registry, logger: Logger): http.Server {
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "method_not_allowed" });
    if (path === "/healthz") return send(200, { status: "ok" });
    if (path === "/metrics") return metrics(registry, res, logger);
    if (path === "/readyz") {
      readiness(infra).then(
        (r) => send(r.status === "ok" ? 200 : 503, r),
        () => send(503, { status: "unavailable" }),
      );
      return;
    }
    send(404, { error: "not_found", message: `no route ${req.method} ${path}` });
  });
}

/**
 * Starts the internal listener when INTERNAL_PORT is set; its port, or undefined. `registry`: the metrics
 * of a process without the api role.
 */
export async function startInternal(
  config: Config,
  logger: Logger,
  infra: Infra,
  running: { app: FastifyInstance | undefined; registry: Registry | undefined },
  stoppers: Stopper[],
): Promise<number | undefined> {
  const { app } = running;
  if (config.INTERNAL_PORT === undefined) return undefined;
  const host = config.INTERNAL_HOST;
  if (app) {
    const { startInternalListener } = await import("@mingfang/api");
    const listener = await startInternalListener(app, host, config.INTERNAL_PORT);
    stoppers.push({ name: "internal", stop: () => listener.close() });
    logger.info({ host, port: listener.port }, "internal listener: /metrics, /api/docs");
    return listener.port;
  }
  const server = workerServer(infra, running.registry ?? createProcessRegistry("mingfang"), logger);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `INTERNAL_PORT ${config.INTERNAL_PORT} on ${host}: cannot listen (${err.code ?? err.message})`,
        ),
      ),
    );
    server.listen(config.INTERNAL_PORT, host, () => resolve());
  });
  stoppers.push({
    name: "internal",
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host, port }, "internal listener: /healthz, /readyz, /metrics");
  return port;
}
