/**
 * The alert pipeline inside the API: the event bus, the alert service, the WebSocket hub and `/ws`, the
 * alert routes, and — unless `ApiDeps.alerts.workers` is false — the intake and escalation workers and
 * the camera-health monitor. `app.close()` stops all of them (workers first, so nothing is half-done).
 *
 * Decorates the app with `events` (EventBus) and `alertService` (AlertService) for the other plugins
 * (the cases of issue 5b publish through `app.events` and call `app.alertService.markCaseOpened`).
 */
import path from "node:path";
import websocket from "@fastify/websocket";
import { redisBlobStore, resolveDataDir } from "@mingfang/core";
import fp from "fastify-plugin";
import type { ApiDeps } from "../context.js";
import { EventBus } from "../events/event-bus.js";
import { wsRoutes } from "../ws/ws.routes.js";
import { WsHub } from "../ws/ws-hub.js";
import { AlertService } from "./alert.service.js";
import { AlertWorkers } from "./alert-workers.js";
import { alertsOptions, alertsOptionsFromConfig } from "./alerts.options.js";
import { alertRoutes } from "./alerts.routes.js";
import { CameraHealthMonitor } from "./camera-health.monitor.js";
import { EvidenceStore } from "./evidence.store.js";

declare module "fastify" {
  interface FastifyInstance {
    events: EventBus;
    alertService: AlertService;
    wsHub: WsHub;
    alertWorkers: AlertWorkers;
  }
}

export const alertsPlugin = fp<ApiDeps>(
  async (app, deps) => {
    const options = alertsOptions({ ...alertsOptionsFromConfig(deps.config), ...deps.alerts });
    const logger = deps.logger;
    const bus = new EventBus({ db: deps.db, redis: deps.redis, logger });
    await bus.start();
    const evidence = new EvidenceStore(path.join(resolveDataDir(deps.config), "media"));
    // The alert jobs' images: blobs on the API's Redis connection, read by intake, deleted after it.
    const blobs = redisBlobStore(deps.redis);
    const workers = new AlertWorkers({
      redis: deps.redis,
      blobs,
      pingDb: deps.pingDb,
      logger,
      options,
    });
    const service = new AlertService({
      db: deps.db,
      bus,
      evidence,
      blobs,
      keyring: deps.keyring,
      logger,
      options,
      scheduleEscalation: (id, grade, delay) => workers.scheduleEscalation(id, grade, delay),
      // Recordings (recordings/clips.plugin.ts), looked up when an alert is created.
      scheduleClip: (a) => (app.hasDecorator("scheduleClip") ? app.scheduleClip(a) : Promise.resolve()),
    });
    const hub = new WsHub(bus, logger, {
      heartbeatMs: options.heartbeatMs,
      maxBufferedBytes: options.wsMaxBufferedBytes,
      maxBacklog: options.wsMaxBacklog,
    });
    const monitor = new CameraHealthMonitor({
      db: deps.db,
      redis: deps.redis,
      bus,
      service,
      logger,
      thresholdMinutes: options.cameraOfflineMinutes,
      sweepMs: options.sweepMs,
      enqueue: (job) => workers.enqueue(job),
    });
    app.decorate("events", bus);
    app.decorate("alertService", service);
    app.decorate("wsHub", hub);
    app.decorate("alertWorkers", workers);

    // Hooks run in the order they are added: this one before @fastify/websocket's, which would close every
    // console without a code. The consoles are told the server is going away (1001) and reconnect at once,
    // with their last seq, to another instance.
    app.addHook("preClose", async () => {
      await hub.close();
    });
    await app.register(websocket, { options: { maxPayload: 4096 } });
    await app.register(wsRoutes, { hub, idleMs: deps.config.SESSION_IDLE_MINUTES * 60_000 });
    await app.register(alertRoutes, { service, keyring: deps.keyring });

    if (options.workers) {
      app.addHook("onReady", async () => {
        workers.start(service);
        await monitor.start();
      });
    }
    // preClose: before the server stops taking requests.
    app.addHook("preClose", async () => {
      await monitor.close();
      await workers.close();
    });
    app.addHook("onClose", async () => {
      await bus.close();
    });
  },
  { name: "alerts", dependencies: ["auth"] },
);
