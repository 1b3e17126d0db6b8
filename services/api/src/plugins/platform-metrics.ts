/**
 * The platform's figures on the API's /metrics, read at each scrape from the same sources as the system
 * status page (system/): the cameras by status (database joined with what the ingest reports in Redis),
 * the queues' depth and lag (frames, alerts, escalations), the WebSocket hub, and the alerts this API
 * stored, by type (from the event bus: camera-offline and tamper alerts are raised here, not by the
 * analytics).
 *
 * Queues and cameras are facts of the whole platform (Redis, the database), so every API instance
 * reports the same values: aggregate them with max(), not sum(), across instances.
 */
import { CAMERA_HEALTH, type Logger, type Redis } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import type { FastifyInstance } from "fastify";
import { Counter, Gauge, type Registry } from "prom-client";
import { countByStatus, readCameraHealth } from "../system/camera-health.js";
import { QueueStats } from "../system/queue-stats.js";
import { SystemRepository } from "../system/system.repository.js";

export interface PlatformMetricsDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
}

const QUEUE_STATES = ["waiting", "active", "delayed", "failed"] as const;

function cameraGauge(registry: Registry, d: PlatformMetricsDeps): void {
  const repo = new SystemRepository(d.db);
  new Gauge({
    name: "mingfang_cameras",
    help: "Cameras of the platform by status: online, offline, stalled (as an ingest reports them), disabled, unknown (enabled, no ingest reports it).",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const counts = countByStatus(await readCameraHealth(d.redis, await repo.cameras()));
      for (const s of CAMERA_HEALTH) this.set({ status: s }, counts[s]);
    },
  });
}

function queueGauges(registry: Registry, stats: QueueStats): void {
  // The two gauges of one scrape share one read of the queues: prom-client starts every collect in the
  // same tick, so the second joins the read in flight; the next scrape reads afresh.
  let inflight: ReturnType<QueueStats["read"]> | undefined;
  const read = () => {
    inflight ??= stats.read().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
  new Gauge({
    name: "mingfang_queue_jobs",
    help: "Jobs in the platform's queues (frames, alerts, escalations) by state.",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      for (const q of await read()) for (const s of QUEUE_STATES) this.set({ queue: q.name, state: s }, q[s]);
    },
  });
  new Gauge({
    name: "mingfang_queue_oldest_waiting_seconds",
    help: "Age of the oldest waiting job of each queue (0 when none waits): how far behind its workers are.",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      for (const q of await read()) this.set({ queue: q.name }, q.oldestWaitingSeconds ?? 0);
    },
  });
}

/** A counter that mirrors a cumulative figure kept elsewhere (read at each scrape). */
function mirrored(registry: Registry, name: string, help: string, read: () => number | undefined) {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      if (v === undefined) return;
      this.reset();
      this.inc(v);
    },
  });
}

function wsMetrics(registry: Registry, app: FastifyInstance): void {
  const hub = () => (app.hasDecorator("wsHub") ? app.wsHub : undefined);
  new Gauge({
    name: "mingfang_ws_clients",
    help: "Consoles connected to this API instance's WebSocket (/ws).",
    registers: [registry],
    collect() {
      this.set(hub()?.size ?? 0);
    },
  });
  mirrored(
    registry,
    "mingfang_ws_messages_sent_total",
    "WebSocket messages sent by this instance.",
    () => hub()?.stats.sent,
  );
  mirrored(
    registry,
    "mingfang_ws_dropped_slow_total",
    "WebSocket clients closed for reading too slowly (4008; they resync).",
    () => hub()?.stats.droppedSlow,
  );
  mirrored(
    registry,
    "mingfang_ws_dropped_silent_total",
    "WebSocket clients dropped after two unanswered pings.",
    () => hub()?.stats.droppedSilent,
  );
}

/** Alerts stored by the platform, by type, as the event bus delivers them to this instance. */
function alertCounter(registry: Registry, app: FastifyInstance): void {
  const created = new Counter({
    name: "mingfang_alerts_created_total",
    help: "Alerts stored (alert.created events delivered to this API instance), by type.",
    labelNames: ["type"],
    registers: [registry],
  });
  let off: (() => void) | undefined;
  app.addHook("onReady", async () => {
    if (!app.hasDecorator("events")) return;
    off = app.events.subscribe((e) => {
      if (e.kind === "alert.created") created.inc({ type: String(e.payload.type ?? "unknown") });
    });
  });
  app.addHook("onClose", async () => off?.());
}

/** Registers every platform metric of the API on `registry`; the queue reader closes with the app. */
export function registerPlatformMetrics(registry: Registry, app: FastifyInstance, d: PlatformMetricsDeps) {
  const stats = new QueueStats(d.redis, d.logger);
  app.addHook("onClose", () => stats.close());
  cameraGauge(registry, d);
  queueGauges(registry, stats);
  wsMetrics(registry, app);
  alertCounter(registry, app);
}
