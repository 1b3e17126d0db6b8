/**
 * The ingest role: one CameraOwner per enabled camera. It reads the cameras from a CameraSource (the specs
 * the API keeps in Redis) and follows configuration changes announced by the API on Redis, touching only
 * the camera that changed.
 */
import path from "node:path";
import {
  type CameraStatus,
  decrypt,
  type Keyring,
  type Logger,
  REDIS_KEYS,
  type Redis,
} from "@mingfang/core";
import { CameraAssigner, type LeaseMoveReason } from "./camera-assigner.js";
import {
  CameraOwner,
  type CameraSpec,
  DEFAULT_INGEST_SETTINGS,
  type IngestSettings,
} from "./camera-owner.js";
import type { CameraSource } from "./camera-source.js";
import { FencedStatusSink } from "./lease.js";
import { type FrameSink, QueueFrameSink, RedisStatusSink, type StatusSink } from "./sinks.js";
import { StartGate } from "./start-gate.js";

/** Channel on which the API announces a camera's creation, change or deletion: payload `{"cameraId":N}`. */
export const CAMERA_CONFIG_CHANNEL = REDIS_KEYS.cameraConfigChannel;

export interface IngestOptions {
  /** The cameras to run (RedisCameraSource: what the API published). */
  cameras: CameraSource;
  keyring: Keyring;
  /** Commands (status, snapshot, queue). */
  redis: Redis;
  /** Creates further connections (BullMQ, the subscriber). */
  connect: () => Redis;
  logger: Logger;
  dataDir: string;
  settings?: Partial<IngestSettings>;
  /** Only these cameras (the demo's --cameras N); default all enabled. */
  cameraIds?: number[];
  frames?: FrameSink;
  status?: StatusSink;
  /**
   * Share the cameras with the other ingest nodes through leases in Redis (camera-assigner.ts); absent:
   * this ingest runs every camera it is given.
   */
  node?: {
    id: string;
    leaseTtlMs: number;
    rebalanceMs?: number;
    onLeaseMove?: (reason: LeaseMoveReason) => void;
  };
}

export class IngestService {
  private readonly owners = new Map<number, CameraOwner>();
  private readonly settings: IngestSettings;
  private readonly frames: FrameSink;
  private readonly status: StatusSink;
  private readonly log: Logger;
  private subscriber: Redis | undefined;
  private queueConnection: Redis | undefined;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();
  /** The cameras this ingest may run; undefined: every enabled camera. */
  private readonly allowed: Set<number> | undefined;
  private readonly gate: StartGate;
  /** Cameras being stopped: a second stop waits for the first (ffmpeg gone) instead of returning early. */
  private readonly stopping = new Map<number, Promise<void>>();
  /** The node's share of the cameras, when the ingest nodes share them. */
  readonly assigner: CameraAssigner | undefined;

  constructor(private readonly o: IngestOptions) {
    this.log = o.logger.child({ component: "ingest" });
    this.allowed = o.cameraIds ? new Set(o.cameraIds) : undefined;
    this.settings = { ...DEFAULT_INGEST_SETTINGS, mediaDir: path.join(o.dataDir, "media"), ...o.settings };
    this.gate = new StartGate(this.settings.concurrentStarts);
    if (o.frames) this.frames = o.frames;
    else {
      this.queueConnection = o.connect();
      this.frames = new QueueFrameSink(o.redis, this.queueConnection);
    }
    if (o.node) {
      this.assigner = new CameraAssigner({
        redis: o.redis,
        nodeId: o.node.id,
        ttlMs: o.node.leaseTtlMs,
        logger: o.logger,
        ...(o.node.rebalanceMs ? { rebalanceMs: o.node.rebalanceMs } : {}),
        ...(o.node.onLeaseMove ? { onMove: o.node.onLeaseMove } : {}),
      });
    }
    const assigner = this.assigner;
    this.status =
      o.status ??
      (assigner ? new FencedStatusSink(o.redis, (id) => assigner.leaseOf(id)) : new RedisStatusSink(o.redis));
  }

  /** Starts ingesting these cameras too (on top of `cameraIds`). */
  async add(ids: number[]): Promise<void> {
    if (this.allowed) for (const id of ids) this.allowed.add(id);
    if (this.assigner) this.assigner.nudge();
    else for (const id of ids) await this.sync(id);
  }

  async start(): Promise<void> {
    if (!this.assigner) {
      const ids = await this.cameraIds();
      for (const id of ids) await this.sync(id);
    }
    this.subscriber = this.o.connect();
    this.subscriber.on("message", (_channel, message) => {
      let id: number | undefined;
      try {
        id = Number((JSON.parse(message) as { cameraId?: unknown }).cameraId);
      } catch {
        return;
      }
      if (!Number.isInteger(id) || id <= 0) return;
      if (this.allowed && !this.allowed.has(id)) return;
      // Another node's camera, or a new one: the rebalance decides who runs it.
      if (this.assigner && !this.assigner.owns(id)) {
        this.assigner.nudge();
        return;
      }
      // One change at a time, in order.
      this.chain = this.chain
        .then(() => this.sync(id!))
        .catch((err) => this.log.error({ err }, "camera sync failed"));
    });
    await this.subscriber.subscribe(CAMERA_CONFIG_CHANNEL);
    await this.assigner?.start({
      candidates: () => this.cameraIds(),
      start: async (id) => {
        await this.sync(id);
        return this.owners.has(id);
      },
      stop: (id) => this.stopCamera(id),
      serial: (fn) => {
        const run = this.chain.then(fn);
        this.chain = run.catch((err) => this.log.error({ err }, "camera sync failed"));
        return run;
      },
    });
    this.log.info({ cameras: this.owners.size }, "ingest started");
  }

  owner(id: number): CameraOwner | undefined {
    return this.owners.get(id);
  }

  /** The status of each camera this node runs now. */
  runningStatuses(): CameraStatus[] {
    return [...this.owners.values()].map((owner) => owner.snapshotStatus());
  }

  get cameraCount(): number {
    return this.owners.size;
  }

  /** Every ffmpeg pid the ingest owns now. */
  pids(): number[] {
    return [...this.owners.values()].flatMap((o) => o.pids());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.subscriber) {
      this.subscriber.disconnect();
      this.subscriber = undefined;
    }
    await this.chain.catch(() => {});
    await this.assigner?.stop();
    await Promise.all([...this.owners.values()].map((o) => o.stop()));
    this.owners.clear();
    await this.frames.close().catch(() => {});
    this.queueConnection?.disconnect();
  }

  private async cameraIds(): Promise<number[]> {
    if (this.allowed && !this.assigner) return [...this.allowed];
    const enabled = await this.o.cameras.enabledIds();
    return this.allowed ? enabled.filter((id) => this.allowed!.has(id)) : enabled;
  }

  /** Stops one camera's processes; resolves once they have exited (also when a stop is under way). */
  private stopCamera(id: number, opts: { removeMedia?: boolean } = {}): Promise<void> {
    const existing = this.owners.get(id);
    if (!existing) return this.stopping.get(id) ?? Promise.resolve();
    this.owners.delete(id);
    const done = existing.stop(opts).finally(() => this.stopping.delete(id));
    this.stopping.set(id, done);
    return done;
  }

  /** Bring one camera's owner in line with its spec: start, restart with new settings, or stop. */
  private async sync(id: number): Promise<void> {
    if (this.stopped) return;
    const row = await this.o.cameras.get(id);
    const existing = this.owners.get(id);
    if (!row?.enabled || !row.sourceUrlEnc) {
      if (existing) {
        await this.stopCamera(id, { removeMedia: !row });
        this.log.info({ cameraId: id }, row ? "camera disabled: stopped" : "camera deleted: stopped");
        await this.assigner?.forget(id);
      }
      return;
    }
    // With leases, a camera starts only while this node holds its lease.
    if (!existing && this.assigner && !this.assigner.owns(id)) return;
    let spec: CameraSpec;
    try {
      spec = {
        id,
        mainUrl: decrypt(this.o.keyring.credentials, row.sourceUrlEnc),
        subUrl: row.subUrlEnc ? decrypt(this.o.keyring.credentials, row.subUrlEnc) : null,
        analyse: row.analyse,
        ...(row.privacyMasks?.length ? { privacyMasks: row.privacyMasks } : {}),
      };
    } catch {
      this.log.error({ cameraId: id }, "cannot decrypt the camera's URL (was MINGFANG_SECRET changed?)");
      return;
    }
    if (existing) {
      existing.reconfigure(spec);
      return;
    }
    const owner = new CameraOwner(spec, this.settings, this.frames, this.status, this.log, this.gate);
    this.owners.set(id, owner);
    owner.start();
    // Cameras start one after the other: a burst of ffmpeg start-ups starves the other cameras.
    if (this.settings.staggerMs > 0) await new Promise((r) => setTimeout(r, this.settings.staggerMs));
  }
}
