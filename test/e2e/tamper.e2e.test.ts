/**
 * Camera tampering end to end, every part real: the camera simulator (GStreamer RTSP) serving drawn
 * workshops (light drift, sensor noise) and vtest.avi → the ingest's camera owners (ffmpeg, keyframe
 * sampling, 1 frame/s) → the `frames` queue → the analytics worker with each camera's rules as the
 * platform reads a camera row → the `alerts` queue.
 *
 *   - a workshop camera is covered, then turned, then defocused (the simulator's faults `cover`, `shift`,
 *     `blur`, each undone by `resume`) → `camera_covered`, `camera_moved`, `camera_defocused`, each with its
 *     evidence (the reference and the frame side by side);
 *   - the real footage is turned (`shift`) → `camera_moved`;
 *   - a second workshop camera, the same drawn room under its drifting light, untouched → nothing.
 *
 * Only the tamper check runs (the people and clean-area checks are disabled in the rows), every second,
 * from a reference of 3 frames, 2 looks of 3 to fire. Every wait is on a condition with a generous limit,
 * so that the test holds on two loaded cores.
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

// Camera ids of this file only.
const WORKSHOP = 9401;
const STREET = 9402;
const QUIET = 9403;

const ONLY_TAMPER = {
  checks: {
    no_hat: { enabled: false },
    no_gloves: { enabled: false },
    unclean_area: { enabled: false },
    tamper: { intervalS: 1, persistence: { k: 2, n: 3 }, reference: { samples: 3 } },
  },
};
const ALWAYS = { days: [1, 2, 3, 4, 5, 6, 7], hours: [{ from: "00:00", to: "24:00" }] };

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

describe("camera tampering end to end: simulator faults → ingest → analytics → alerts", () => {
  const redisUrl = inject("redisUrl");
  const prefix = `t-e2e-tamper-${process.pid}-${Date.now()}`;
  const sim = new CameraSimulator();
  const owners: CameraOwner[] = [];
  const statuses = new Statuses();
  const analysed = new Map<number, number>();
  let analytics: AnalyticsHandle | undefined;
  let redis: Redis;
  let queueConn: Redis;
  let alerts: Queue;
  let events: QueueEvents | undefined;
  let mediaDir: string;
  const keys: Record<number, string> = {};

  beforeAll(async () => {
    mediaDir = mkdtempSync(path.join(tmpdir(), "mf-e2e-tamper-"));
    redis = createRedis(redisUrl);
    queueConn = createRedis(redisUrl, { maxRetriesPerRequest: null });
    alerts = new Queue(QUEUES.alerts, {
      connection: createRedis(redisUrl, { maxRetriesPerRequest: null }),
      prefix,
    });
    const logger = createLogger({ level: "silent" });
    const [w, s, q] = simulatedCameras(3, "e2e-tamper", "tmp");
    const cams = [
      { ...w!, clip: "workshop-clean", startSecond: 0 },
      { ...s!, clip: "pedestrians", startSecond: 0 },
      { ...q!, clip: "workshop-clean", startSecond: 30 },
    ];
    await Promise.all([
      sim.start({ cameras: cams, discoveryInterface: false, dataDir: CLIP_CACHE }),
      (async () => {
        analytics = await startAnalytics({
          redisUrl,
          logger,
          prefix,
          cameraRules: async () => rulesFromCameraRow({ schedule: ALWAYS, analytics: ONLY_TAMPER }),
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
      [cams[0], WORKSHOP],
      [cams[1], STREET],
      [cams[2], QUIET],
    ] as const) {
      keys[id] = cam.key;
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
  }, 180_000);

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
    for (const id of [WORKSHOP, STREET, QUIET]) await redis?.del(`${prefix}:analytics:tamper:${id}`);
    redis?.disconnect();
    queueConn?.disconnect();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const alertsOf = async (cameraId: number): Promise<AlertJob[]> =>
    (await alerts.getJobs(["waiting", "delayed", "active", "completed", "failed"]))
      .map((j) => j.data as AlertJob)
      .filter((a) => a.cameraId === cameraId);
  const fired = (cameraId: number, type: string) => async () =>
    (await alertsOf(cameraId)).find((a) => a.type === type);
  /** Waits until the camera has had `n` more frames analysed. */
  const frames = async (cameraId: number, n: number) => {
    const want = (analysed.get(cameraId) ?? 0) + n;
    await until(`${n} analysed frames of camera ${cameraId}`, 90_000, async () =>
      (analysed.get(cameraId) ?? 0) >= want ? true : undefined,
    );
  };
  /** Drives a fault until its alert comes, then resumes and lets a few clean frames pass. */
  const tamper = async (cameraId: number, fault: "cover" | "shift" | "blur", type: string) => {
    await sim.fault(keys[cameraId] as string, fault);
    const a = await until(`${type} on camera ${cameraId}`, 120_000, fired(cameraId, type));
    await sim.fault(keys[cameraId] as string, "resume");
    await frames(cameraId, 4);
    return a;
  };

  it("covered, moved and defocused cameras raise their alerts with evidence; drifting light raises none", async () => {
    // The references: 3 looks each (kept in Redis), then a few judged frames.
    await until("the references", 120_000, async () =>
      (
        await Promise.all(
          [WORKSHOP, STREET, QUIET].map((id) => redis.exists(`${prefix}:analytics:tamper:${id}`)),
        )
      ).every((x) => x === 1)
        ? true
        : undefined,
    );
    await frames(WORKSHOP, 3);
    expect(await alertsOf(WORKSHOP)).toEqual([]);

    const covered = await tamper(WORKSHOP, "cover", "camera_covered");
    const moved = await tamper(WORKSHOP, "shift", "camera_moved");
    const defocused = await tamper(WORKSHOP, "blur", "camera_defocused");
    const streetMoved = await tamper(STREET, "shift", "camera_moved");

    for (const a of [covered, moved, defocused, streetMoved]) {
      expect(Value.Check(AlertJob, a)).toBe(true);
      expect(a.model).toBe("tamper-reference");
      const jpeg = (await redis.getBuffer(a.evidenceKey as string)) as Buffer;
      expect(createHash("sha256").update(jpeg).digest("hex")).toBe(a.evidenceSha256);
      const meta = await sharp(jpeg).metadata();
      // The reference and the 480×360 frame side by side.
      expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 960, 360]);
    }
    // Each fault raised its own kind only; the untouched camera under the same drifting light nothing.
    expect((await alertsOf(WORKSHOP)).map((a) => a.type).sort()).toEqual([
      "camera_covered",
      "camera_defocused",
      "camera_moved",
    ]);
    expect((await alertsOf(STREET)).map((a) => a.type)).toEqual(["camera_moved"]);
    expect(statuses.last.get(QUIET)?.status).toBe("online");
    expect(analysed.get(QUIET) ?? 0).toBeGreaterThanOrEqual(20);
    expect(await alertsOf(QUIET)).toEqual([]);
  }, 600_000);
});
