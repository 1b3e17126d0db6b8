/**
 * End to end, with every part real: the camera simulator (GStreamer RTSP) serving the demo's scenes → the
 * ingest's camera owners (ffmpeg, keyframe sampling) → the BullMQ `frames` queue in the run's private
 * Redis → the analytics worker (inference thread, the default ONNX models) with each camera's rules read
 * as the platform reads a camera row (the scene's zones, schedule and overrides) → the `alerts` queue.
 *
 * Four cameras at once, in one time window:
 *   - a drawn workshop that is clean, then a mess appears and lies still → `unclean_area`;
 *   - real footage of pedestrians (vtest.avi), every head bare → `no_hat`;
 *   - the close-up of the same footage where hands and faces are large enough to classify, all bare →
 *     `no_gloves`, and `no_mask` (which that scene turns on);
 *   - the clean drawn workshop with light drift and noise, every check armed → nothing.
 * The violations must come with evidence: a JPEG of the frame whose SHA-256 is the one in the alert.
 * The clips are the demo's, encoded once by the global set-up. The mess camera starts 20 s before its mess
 * appears (the demo: 60 s) and learns its baseline from 3 samples two seconds apart (the demo: 5, four
 * seconds apart).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AnalyticsHandle, rulesFromCameraRow, startAnalytics } from "@mingfang/analytics";
import { AlertJob, type CameraStatus, createLogger, createRedis, QUEUES, type Redis } from "@mingfang/core";
import {
  CameraOwner,
  CameraSimulator,
  DEFAULT_INGEST_SETTINGS,
  DEMO_SCENES,
  type DemoScene,
  QueueFrameSink,
  type StatusSink,
  simulatedCameras,
} from "@mingfang/ingest";
import { Queue, QueueEvents } from "bullmq";
import sharp from "sharp";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLIP_CACHE = path.join(ROOT, ".test-data");

const scene = (clip: string): DemoScene => {
  const s = DEMO_SCENES.find((x) => x.clip === clip);
  if (!s) throw new Error(`no demo scene ${clip}`);
  return s;
};
const messScene = scene("workshop-mess");
const cleanScene = scene("workshop-clean");
const streetScene = scene("pedestrians");
const closeScene = scene("close-up");

/** Where the mess camera starts in its clip: 20 s before the mess appears (the demo starts it at 0). */
const MESS_START = 40;

// Camera ids of this file only (the snapshot keys in Redis are not prefixed).
const MESS = 9301;
const STREET = 9302;
const CLEAN = 9303;
const CLOSE = 9304;

const rowOf: Record<number, Parameters<typeof rulesFromCameraRow>[0]> = {
  [MESS]: {
    zones: messScene.zones,
    schedule: messScene.schedule,
    analytics: { checks: { unclean_area: { intervalS: 2, baseline: { samples: 3 } } } },
  },
  [STREET]: { zones: streetScene.zones, schedule: streetScene.schedule, analytics: streetScene.analytics },
  [CLOSE]: { zones: closeScene.zones, schedule: closeScene.schedule, analytics: closeScene.analytics },
  [CLEAN]: {
    zones: cleanScene.zones,
    schedule: cleanScene.schedule,
    analytics: { checks: { unclean_area: { intervalS: 2, baseline: { samples: 3 } } } },
  },
};

class Statuses implements StatusSink {
  readonly last = new Map<number, CameraStatus>();
  async publish(s: CameraStatus): Promise<void> {
    this.last.set(s.cameraId, s);
  }
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("demo scenes end to end: simulator → ingest → frames → analytics → alerts", () => {
  const redisUrl = inject("redisUrl");
  const prefix = `t-e2e-${process.pid}-${Date.now()}`;
  const sim = new CameraSimulator();
  const owners: CameraOwner[] = [];
  const statuses = new Statuses();
  let analytics: AnalyticsHandle | undefined;
  let redis: Redis;
  let queueConn: Redis;
  let alerts: Queue;
  let mediaDir: string;
  let events: QueueEvents | undefined;
  /** Frames the worker analysed, per camera (from the queue's completion events). */
  const analysed = new Map<number, number>();

  beforeAll(async () => {
    mediaDir = mkdtempSync(path.join(tmpdir(), "mf-e2e-"));
    redis = createRedis(redisUrl);
    queueConn = createRedis(redisUrl, { maxRetriesPerRequest: null });
    alerts = new Queue(QUEUES.alerts, {
      connection: createRedis(redisUrl, { maxRetriesPerRequest: null }),
      prefix,
    });
    const logger = createLogger({ level: "silent" });
    const [cams] = await Promise.all([
      (async () => {
        const [mess, street, clean, close] = simulatedCameras(4, "e2e-secret", "e2e");
        const cams = [
          { ...mess!, clip: messScene.clip, startSecond: MESS_START },
          { ...street!, clip: streetScene.clip },
          { ...clean!, clip: cleanScene.clip },
          { ...close!, clip: closeScene.clip },
        ];
        await sim.start({
          cameras: cams,
          discoveryInterface: false,
          dataDir: CLIP_CACHE,
        });
        return cams;
      })(),
      (async () => {
        analytics = await startAnalytics({
          redisUrl,
          logger,
          prefix,
          cameraRules: async (id) => rulesFromCameraRow(rowOf[id] ?? {}),
        });
      })(),
    ]);
    events = new QueueEvents(QUEUES.frames, {
      connection: createRedis(redisUrl, { maxRetriesPerRequest: null }),
      prefix,
    });
    events.on("completed", ({ jobId, returnvalue }) => {
      const r = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as {
        outcome?: string;
      };
      const id = Number(/^cam-(\d+)-/.exec(jobId)?.[1]);
      if (r?.outcome === "analysed") analysed.set(id, (analysed.get(id) ?? 0) + 1);
    });
    await events.waitUntilReady();
    const frames = new QueueFrameSink(redis, queueConn, prefix);
    for (const [cam, id] of [
      [cams[0], MESS],
      [cams[1], STREET],
      [cams[2], CLEAN],
      [cams[3], CLOSE],
    ] as const) {
      const o = new CameraOwner(
        { id, mainUrl: sim.rtspUrl(cam.key, "main"), subUrl: sim.rtspUrl(cam.key, "sub"), analyse: true },
        {
          ...DEFAULT_INGEST_SETTINGS,
          mediaDir,
          analysisFps: 1,
          assumedGopSeconds: 1,
          ioTimeoutSeconds: 5,
          backoff: { initialMs: 500, maxMs: 4000 },
        },
        frames,
        statuses,
        logger,
      );
      owners.push(o);
      o.start();
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(owners.map((o) => o.stop()));
    await events?.close();
    await analytics?.stop();
    await sim.stop();
    await alerts?.obliterate({ force: true }).catch(() => {});
    await new Queue(QUEUES.frames, { connection: queueConn, prefix })
      .obliterate({ force: true })
      .catch(() => {});
    await alerts?.close();
    redis?.disconnect();
    queueConn?.disconnect();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const alertsOf = async (cameraId: number): Promise<AlertJob[]> =>
    (await alerts.getJobs(["waiting", "delayed", "active", "completed", "failed"]))
      .map((j) => j.data as AlertJob)
      .filter((a) => a.cameraId === cameraId);

  it("the mess, the bare heads, the bare hands and the bare faces raise alerts with evidence; the clean workshop raises none", async () => {
    const fired = async (cameraId: number, type: string) =>
      (await alertsOf(cameraId)).find((a) => a.type === type);
    const unclean = await until("unclean_area on the mess camera", 75_000, () => fired(MESS, "unclean_area"));
    const noHat = await until("no_hat on the pedestrians camera", 20_000, () => fired(STREET, "no_hat"));
    const noGloves = await until("no_gloves on the close-up camera", 45_000, () => fired(CLOSE, "no_gloves"));
    // The close-up scene turns no_mask on (off by default): its faces (17–27 px) are judged, all bare.
    const noMask = await until("no_mask on the close-up camera", 30_000, () => fired(CLOSE, "no_mask"));

    for (const a of [unclean, noHat, noGloves, noMask]) {
      expect(Value.Check(AlertJob, a)).toBe(true);
      // The evidence is a blob beside the job (no API here takes it in and deletes it).
      const jpeg = (await redis.getBuffer(a.evidenceKey as string)) as Buffer;
      expect(createHash("sha256").update(jpeg).digest("hex")).toBe(a.evidenceSha256);
      expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
      const meta = await sharp(jpeg).metadata();
      expect(meta.format).toBe("jpeg");
      // The sub-stream's frame: 480×360, the close-up's 640×480.
      expect([meta.width, meta.height]).toEqual(a === noGloves || a === noMask ? [640, 480] : [480, 360]);
      expect(a.boxes.some((b) => b.label === a.type)).toBe(true);
    }
    expect(unclean.zone === "操作台" || unclean.zone === "地面").toBe(true);
    expect(unclean.model).toBe("baseline");
    expect(noHat.model).toBe("person+pose+headcover");
    expect(noGloves.model).toBe("person+pose+glove");
    expect(noMask.model).toBe("person+pose+mask");

    // Same window: the clean camera was watched throughout (online, its clean baseline learned and
    // compared) and raised nothing; the mess camera raised nothing but the mess.
    expect(statuses.last.get(CLEAN)?.status).toBe("online");
    expect(await redis.exists(`${prefix}:analytics:baseline:${CLEAN}`)).toBe(1);
    // At 1 frame/s and one evaluation per 2 s, six analysed frames include comparisons with the baseline.
    expect(analysed.get(CLEAN) ?? 0).toBeGreaterThanOrEqual(6);
    expect(await alertsOf(CLEAN)).toEqual([]);
    expect((await alertsOf(MESS)).map((a) => a.type)).toEqual(["unclean_area"]);
  }, 110_000);
});
