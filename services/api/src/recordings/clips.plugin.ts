/**
 * Event clips inside the API: the clip service (which the alert service calls after a new alert's commit,
 * through the `scheduleClip` decorator), the two clip routes, and — unless `ApiDeps.recordings.workers` is
 * false — the clip worker and its sweep. `app.close()` stops the worker before the server stops.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import fp from "fastify-plugin";
import { Counter, Histogram, type Registry } from "prom-client";
import { AlertRepository } from "../alerts/alert.repository.js";
import { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps } from "../context.js";
import { type ClipRequest, ClipService, clipSettingsFromConfig } from "./clip.service.js";
import { ClipWorkers } from "./clip-workers.js";
import { clipRoutes } from "./clips.routes.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Gives a new alert its pending clip and delayed job (the alert service's `scheduleClip`). */
    scheduleClip: (a: ClipRequest) => Promise<void>;
    clipService: ClipService;
  }
}

const DEFAULT_SWEEP_MS = 30_000;

/** Clips by outcome and the time of each cut, in the app's registry (/metrics). */
function clipMetrics(registry: Registry) {
  const outcomes = new Counter({
    name: "mingfang_clips_total",
    help: "Alert clips finished, by status (ready, partial, missing, failed)",
    labelNames: ["status"],
    registers: [registry],
  });
  const cut = new Histogram({
    name: "mingfang_clip_cut_seconds",
    help: "Time to cut one alert clip (ffmpeg -c copy, fsync, SHA-256)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  return (status: string, cutMs: number | null) => {
    outcomes.inc({ status });
    if (cutMs !== null) cut.observe(cutMs / 1000);
  };
}

export const clipsPlugin = fp<ApiDeps>(
  async (app, deps) => {
    const workers = new ClipWorkers({
      redis: deps.redis,
      logger: deps.logger,
      sweepMs: deps.alerts?.sweepMs ?? DEFAULT_SWEEP_MS,
    });
    const service = new ClipService({
      db: deps.db,
      keyring: deps.keyring,
      logger: deps.logger,
      settings: clipSettingsFromConfig(deps.config),
      enqueue: (job, delay, opts) => workers.enqueue(job, delay, opts),
      observe: clipMetrics(app.metrics),
    });
    app.decorate("scheduleClip", (a: ClipRequest) => service.schedule(a));
    app.decorate("clipService", service);
    const routes: FastifyPluginAsyncTypebox = async (r) =>
      clipRoutes(r, {
        deps,
        service,
        alerts: new AlertRepository(deps.db),
        audit: new AuditRepository(deps.db),
      });
    await app.register(routes);
    if (deps.recordings?.workers !== false) {
      app.addHook("onReady", async () => workers.start(service));
    }
    app.addHook("preClose", async () => {
      await workers.close();
    });
  },
  { name: "clips", dependencies: ["auth", "metrics"] },
);
