/**
 * Camera health as compliance: a camera offline (or stalled) for more than N working minutes of its
 * workshop raises a `camera_offline` alert; when it is back online, its open camera_offline alerts are
 * resolved by the system.
 *
 * The ingest publishes CameraStatus on Redis (key REDIS_KEYS.cameraStatus(id), channel
 * REDIS_KEYS.cameraStatusChannel). The monitor keeps the last status of each camera, reads the keys at
 * start, and looks every `sweepMs`. The alert goes through the alerts queue like any other, with an id
 * derived from the camera and the time it went down: several API processes raising it at once make
 * one alert. A camera the ingest never reported on raises nothing (the ingest may not run here).
 * Status changes (online ↔ offline) are recorded in `camera_status_log` (the history the dashboard's
 * uptime in working hours reads; the first status seen at start too, when it differs from the last one
 * recorded) and published as `camera.status` events for the consoles by the API process that wrote the
 * row: with several API instances, each change is one event, not one per instance.
 */
import { createHash } from "node:crypto";
import {
  type AlertJob,
  CameraStatus,
  cameraOfflineDue,
  type Logger,
  REDIS_KEYS,
  type Redis,
  type WorkingHoursJson,
} from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { Value } from "typebox/value";
import type { EventBus } from "../events/event-bus.js";
import type { AlertService } from "./alert.service.js";
import { CameraHealthRepository } from "./camera-health.repository.js";
import { CameraStatusLogRepository } from "./camera-status-log.repository.js";

/** A UUID (version 8, RFC 9562 custom) derived from a name: the same name gives the same id. */
export function nameUuid(name: string): string {
  const h = createHash("sha256").update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export interface CameraHealthDeps {
  db: Db;
  redis: Redis;
  bus: EventBus;
  service: AlertService;
  logger: Logger;
  thresholdMinutes: number;
  sweepMs: number;
  /** Puts an alert on the alerts queue. */
  enqueue: (job: AlertJob) => Promise<void>;
  now?: () => Date;
}

interface Known {
  status: CameraStatus["status"];
  since: Date;
}

export class CameraHealthMonitor {
  private readonly log: Logger;
  private readonly known = new Map<number, Known>();
  /** Alert ids already enqueued by this process. */
  private readonly raised = new Set<string>();
  private sub: Redis | null = null;
  private statusChain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly channel: string;
  private readonly now: () => Date;
  private readonly repo: CameraHealthRepository;
  private readonly statusLog: CameraStatusLogRepository;

  constructor(private readonly deps: CameraHealthDeps) {
    this.repo = new CameraHealthRepository(deps.db);
    this.statusLog = new CameraStatusLogRepository(deps.db);
    this.log = deps.logger.child({ component: "camera-health" });
    this.channel = `${deps.redis.options.keyPrefix ?? ""}${REDIS_KEYS.cameraStatusChannel}`;
    this.now = deps.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    this.sub = this.deps.redis.duplicate({ lazyConnect: true });
    this.sub.on("error", (err: Error) => this.log.debug({ err: err.message }, "status subscriber error"));
    this.sub.on("message", (_ch: string, msg: string) => {
      // One at a time, in the order heard: a quick offline → online must not be recorded the other way round.
      this.statusChain = this.statusChain.then(() => this.onStatus(msg)).catch(() => {});
    });
    try {
      await this.sub.connect();
      await this.sub.subscribe(this.channel);
      await this.loadSnapshot();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "camera status not available yet");
    }
    const tick = () => {
      if (this.closed) return;
      this.sweep()
        .catch((err: Error) => this.log.debug({ err: err.message }, "camera health sweep failed"))
        .finally(() => {
          if (this.closed) return;
          this.timer = setTimeout(tick, this.deps.sweepMs);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, Math.min(this.deps.sweepMs, 1000));
    this.timer.unref();
  }

  private async loadSnapshot(): Promise<void> {
    const ids = await this.repo.enabledCameraIds();
    if (ids.length === 0) return;
    const values = await this.deps.redis.mget(...ids.map((id) => REDIS_KEYS.cameraStatus(id)));
    for (const v of values) if (v) await this.onStatus(v, false);
  }

  /** Handles one CameraStatus message (exported behaviour for tests through Redis). */
  private async onStatus(raw: string, live = true): Promise<void> {
    let s: unknown;
    try {
      s = JSON.parse(raw);
    } catch {
      return;
    }
    if (!Value.Check(CameraStatus, s)) return;
    const st = s as CameraStatus;
    const prev = this.known.get(st.cameraId);
    const since = new Date(st.since);
    this.known.set(st.cameraId, { status: st.status, since });
    if (prev?.status === st.status) return;
    const announce = await this.recordChange(st.cameraId, st.status, since);
    // Another API instance recorded this change and announces it (one event per change, not per instance).
    if (!live || !announce) return;
    try {
      const cam = await this.repo.place(st.cameraId);
      if (!cam) return;
      await this.deps.bus.publish(this.deps.db, "camera.status", cam.station_id, {
        cameraId: st.cameraId,
        workshopId: cam.workshop_id,
        status: st.status,
        since: st.since,
        lastError: st.lastError,
      });
      if (st.status === "online" && prev) {
        const n = await this.deps.service.resolveCameraOffline(st.cameraId);
        if (n > 0) this.log.info({ cameraId: st.cameraId, resolved: n }, "camera back online");
      }
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, "camera status not recorded");
    }
  }

  /**
   * Writes the change to the status history; a failure is logged, never thrown (the alerting goes on).
   * Returns whether this process is the one to announce the change: it wrote the row, or the write failed
   * (an event twice is better than none). Every API instance hears the ingest's report; the row's primary
   * key lets one of them write it, and only that one publishes the `camera.status` event.
   */
  private async recordChange(
    cameraId: number,
    status: CameraStatus["status"],
    since: Date,
  ): Promise<boolean> {
    try {
      return await this.statusLog.recordChange(
        cameraId,
        status,
        Number.isNaN(since.getTime()) ? this.now() : since,
      );
    } catch (err) {
      this.log.debug({ err: (err as Error).message, cameraId }, "camera status change not logged");
      return true;
    }
  }

  /** Raises the alerts that are due. Returns how many were enqueued. */
  async sweep(): Promise<number> {
    const down = [...this.known.entries()].filter(
      ([, k]) => k.status === "offline" || k.status === "stalled",
    );
    if (down.length === 0) return 0;
    const rows = await this.repo.hours(down.map(([id]) => id));
    const now = this.now();
    let n = 0;
    for (const r of rows) {
      const k = this.known.get(r.id);
      if (!k || !r.enabled) continue;
      const wh = (
        typeof r.working_hours === "string" ? JSON.parse(r.working_hours) : r.working_hours
      ) as WorkingHoursJson | null;
      if (!cameraOfflineDue(k, wh, now, this.deps.thresholdMinutes)) continue;
      const id = nameUuid(`camera_offline:${r.id}:${k.since.toISOString()}`);
      if (this.raised.has(id)) continue;
      await this.deps.enqueue({
        id,
        cameraId: r.id,
        type: "camera_offline",
        confidence: 1,
        boxes: [],
        capturedAt: now.toISOString(),
        model: "camera-health",
      });
      this.raised.add(id);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const sub = this.sub;
    this.sub = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
