/**
 * Prometheus metrics at /metrics: process defaults, an HTTP request histogram per route, and the
 * platform's figures (platform-metrics.ts). The other parts add theirs to `app.metrics`: the recorder and
 * the clips, and — when they run in this process — the analytics worker and the ingest. Every name is
 * `mingfang_*`; docs/operations.md "Metrics" lists them.
 */
import fp from "fastify-plugin";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { ApiDeps } from "../context.js";
import { registerPlatformMetrics } from "./platform-metrics.js";

declare module "fastify" {
  interface FastifyInstance {
    metrics: Registry;
  }
}

export const metricsPlugin = fp<ApiDeps>(
  async (app, deps) => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: "mingfang-api" });
    collectDefaultMetrics({ register: registry, prefix: "mingfang_" });
    const http = new Histogram({
      name: "mingfang_http_request_duration_seconds",
      help: "HTTP request duration by method, route and status code",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    registerPlatformMetrics(registry, app, deps);
    app.decorate("metrics", registry);
    app.addHook("onResponse", async (req, reply) => {
      const route = req.routeOptions.url ?? "unmatched";
      if (route === "/metrics") return;
      http.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
    app.get("/metrics", { schema: { hide: true } }, async (_req, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: "metrics" },
);
