/**
 * The end-to-end analytics pipeline, every part real: the camera simulator (GStreamer RTSP) → a camera
 * owner per camera (ffmpeg, keyframe sampling, 1 frame/s) → the `frames` queue → the analytics worker →
 * the `alerts` queue, all in the run's private Redis under a prefix of the test's own.
 *
 * Made in a describe block, started in its beforeAll and stopped in its afterAll: `stop` cleans up
 * whatever `start` got to, so a set-up that fails half way leaves nothing behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AnalyticsHandle, type StartAnalyticsOptions, startAnalytics } from "@mingfang/analytics";
import {
  type AlertJob,
  type CameraStatus,
  createLogger,
  createRedis,
  QUEUES,
  type Redis,
} from "@mingfang/core";
import {
  CameraOwner,
  CameraSimulator,
  DEFAULT_INGEST_SETTINGS,
  QueueFrameSink,
  type StatusSink,
  simulatedCameras,
} from "@mingfang/ingest";
import { Queue, QueueEvents } from "bullmq";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLIP_CACHE = path.join(ROOT, ".test-data");

/** Waits until `fn` returns something other than undefined, looking every half second. */
export async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

class Statuses implements StatusSink {
  readonly last = new Map<number, CameraStatus>();
  async publish(s: CameraStatus): Promise<void> {
    this.last.set(s.cameraId, s);
  }
}

/** A camera of the pipeline: its id in the platform and what the simulator serves for it. */
export interface PipelineCamera {
  id: number;
  clip: string;
  /** Second of the clip the camera starts at; default the simulator's (derived from the key). */
  startSecond?: number;
}

export interface PipelineStart {
  cameras: PipelineCamera[];
  /** simulatedCameras' secret and key prefix. */
  secret: string;
  keyPrefix: string;
  /** Name prefix of the temporary media folder. */
  mediaDirPrefix: string;
  cameraRules: NonNullable<StartAnalyticsOptions["cameraRules"]>;
}

export class AnalyticsPipeline {
  readonly sim = new CameraSimulator();
  readonly owners: CameraOwner[] = [];
  readonly statuses = new Statuses();
  /** Frames the worker analysed, per camera (from the queue's completion events). */
  readonly analysed = new Map<number, number>();
  /** The simulator's key of each camera, by id. */
  readonly keys: Record<number, string> = {};
  analytics: AnalyticsHandle | undefined;
  redis!: Redis;
  queueConn!: Redis;
  alerts!: Queue;
  events: QueueEvents | undefined;
  mediaDir!: string;

  constructor(
    readonly redisUrl: string,
    readonly prefix: string,
  ) {}

  async start(opts: PipelineStart): Promise<void> {
    const { redisUrl, prefix } = this;
    this.mediaDir = mkdtempSync(path.join(tmpdir(), opts.mediaDirPrefix));
    this.redis = createRedis(redisUrl);
    this.queueConn = createRedis(redisUrl, { maxRetriesPerRequest: null });
    this.alerts = new Queue(QUEUES.alerts, {
      connection: createRedis(redisUrl, { maxRetriesPerRequest: null }),
      prefix,
    });
    const logger = createLogger({ level: "silent" });
    const cams = simulatedCameras(opts.cameras.length, opts.secret, opts.keyPrefix).map((c, i) => {
      const { clip, startSecond } = opts.cameras[i] as PipelineCamera;
      return { ...c, clip, ...(startSecond === undefined ? {} : { startSecond }) };
    });
    await Promise.all([
      this.sim.start({ cameras: cams, discoveryInterface: false, dataDir: CLIP_CACHE }),
      (async () => {
        this.analytics = await startAnalytics({ redisUrl, logger, prefix, cameraRules: opts.cameraRules });
      })(),
    ]);
    await this.countAnalysed();
    const frames = new QueueFrameSink(this.redis, this.queueConn, prefix);
    opts.cameras.forEach(({ id }, i) => {
      const cam = cams[i] as (typeof cams)[number];
      this.keys[id] = cam.key;
      const o = new CameraOwner(
        {
          id,
          mainUrl: this.sim.rtspUrl(cam.key, "main"),
          subUrl: this.sim.rtspUrl(cam.key, "sub"),
          analyse: true,
        },
        {
          ...DEFAULT_INGEST_SETTINGS,
          mediaDir: this.mediaDir,
          analysisFps: 1,
          assumedGopSeconds: 1,
          ioTimeoutSeconds: 5,
          backoff: { initialMs: 500, maxMs: 4000 },
        },
        frames,
        this.statuses,
        logger,
      );
      this.owners.push(o);
      o.start();
    });
  }

  /** Counts the analysed frames of each camera from the `frames` queue's completion events. */
  private async countAnalysed(): Promise<void> {
    const events = new QueueEvents(QUEUES.frames, {
      connection: createRedis(this.redisUrl, { maxRetriesPerRequest: null }),
      prefix: this.prefix,
    });
    this.events = events;
    events.on("completed", ({ jobId, returnvalue }) => {
      const r = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as {
        outcome?: string;
      };
      const id = Number(/^cam-(\d+)-/.exec(jobId)?.[1]);
      if (r?.outcome === "analysed") this.analysed.set(id, (this.analysed.get(id) ?? 0) + 1);
    });
    await events.waitUntilReady();
  }

  /** The alerts of a camera so far, in any state. */
  async alertsOf(cameraId: number): Promise<AlertJob[]> {
    return (await this.alerts.getJobs(["waiting", "delayed", "active", "completed", "failed"]))
      .map((j) => j.data as AlertJob)
      .filter((a) => a.cameraId === cameraId);
  }

  /** Stops every part, empties both queues and deletes `redisKeys` (keys the prefix does not sweep). */
  async stop(redisKeys: string[] = []): Promise<void> {
    await Promise.all(this.owners.map((o) => o.stop()));
    await this.events?.close();
    await this.analytics?.stop();
    await this.sim.stop();
    await this.alerts?.obliterate({ force: true }).catch(() => {});
    await new Queue(QUEUES.frames, { connection: this.queueConn, prefix: this.prefix })
      .obliterate({ force: true })
      .catch(() => {});
    await this.alerts?.close();
    for (const key of redisKeys) await this.redis?.del(key);
    this.redis?.disconnect();
    this.queueConn?.disconnect();
    rmSync(this.mediaDir, { recursive: true, force: true });
  }
}
