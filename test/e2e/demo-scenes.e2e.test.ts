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
import { rulesFromCameraRow } from "@mingfang/analytics";
import { AlertJob } from "@mingfang/core";
import { DEMO_SCENES, type DemoScene } from "@mingfang/ingest";
import sharp from "sharp";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AnalyticsPipeline, until } from "../support/analytics-pipeline.js";

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

describe("demo scenes end to end: simulator → ingest → frames → analytics → alerts", () => {
  const prefix = `t-e2e-${process.pid}-${Date.now()}`;
  const pipeline = new AnalyticsPipeline(inject("redisUrl"), prefix);
  const { statuses, analysed } = pipeline;

  beforeAll(async () => {
    await pipeline.start({
      cameras: [
        { id: MESS, clip: messScene.clip, startSecond: MESS_START },
        { id: STREET, clip: streetScene.clip },
        { id: CLEAN, clip: cleanScene.clip },
        { id: CLOSE, clip: closeScene.clip },
      ],
      secret: "e2e-secret",
      keyPrefix: "e2e",
      mediaDirPrefix: "mf-e2e-",
      cameraRules: async (id) => rulesFromCameraRow(rowOf[id] ?? {}),
    });
  }, 120_000);

  afterAll(async () => {
    await pipeline.stop();
  });

  const alertsOf = (cameraId: number) => pipeline.alertsOf(cameraId);

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
      const jpeg = (await pipeline.redis.getBuffer(a.evidenceKey as string)) as Buffer;
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
    expect(await pipeline.redis.exists(`${prefix}:analytics:baseline:${CLEAN}`)).toBe(1);
    // At 1 frame/s and one evaluation per 2 s, six analysed frames include comparisons with the baseline. Under
    // load the worker drops stale frames, so the clean camera may not have six yet when the others have fired.
    await until("six analysed frames of the clean camera", 60_000, async () =>
      (analysed.get(CLEAN) ?? 0) >= 6 ? true : undefined,
    );
    expect(await alertsOf(CLEAN)).toEqual([]);
    expect((await alertsOf(MESS)).map((a) => a.type)).toEqual(["unclean_area"]);
  }, 180_000);
});
