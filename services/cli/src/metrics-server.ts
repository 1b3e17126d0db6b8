/**
 * /metrics of a process without the api role (`mingfang serve --roles ingest`, `--roles analytics`): a
 * registry of its own (process defaults, `service` label) served by a small HTTP server on METRICS_PORT
 * (METRICS_HOST, default HOST). With the api role in the process every part registers on the API's
 * registry instead, served on PORT.
 */
import http from "node:http";
import type { Config, Logger } from "@mingfang/core";
import { collectDefaultMetrics, Registry } from "prom-client";

export function createProcessRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: "mingfang_" });
  return registry;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** GET /metrics → the registry in Prometheus text; anything else 404. Resolves once listening. */
export async function serveMetrics(
  registry: Registry,
  opts: { host: string; port: number; logger: Logger },
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" || url !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (err: Error) => {
        opts.logger.warn({ err }, "metrics collection failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `METRICS_PORT ${opts.port} on ${opts.host}: cannot listen (${err.code ?? err.message}); choose another METRICS_PORT, or 0 for none`,
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = addr && typeof addr === "object" ? addr.port : opts.port;
  opts.logger.info({ url: `http://${opts.host}:${port}/metrics` }, "metrics served");
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The registry the non-API roles of this process use, served on METRICS_PORT when it is set. */
export async function processMetrics(
  config: Config,
  logger: Logger,
  roles: string[],
): Promise<{ registry: Registry; server?: MetricsServer }> {
  const registry = createProcessRegistry(`mingfang-${roles.join("-")}`);
  if (config.METRICS_PORT <= 0) return { registry };
  const server = await serveMetrics(registry, {
    host: config.METRICS_HOST ?? config.HOST,
    port: config.METRICS_PORT,
    logger,
  });
  return { registry, server };
}
