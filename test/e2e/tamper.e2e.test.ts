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
import { rulesFromCameraRow } from "@mingfang/analytics";
import { AlertJob } from "@mingfang/core";
import sharp from "sharp";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AnalyticsPipeline, until } from "../support/analytics-pipeline.js";

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

describe("camera tampering end to end: simulator faults → ingest → analytics → alerts", () => {
  const prefix = `t-e2e-tamper-${process.pid}-${Date.now()}`;
  const pipeline = new AnalyticsPipeline(inject("redisUrl"), prefix);
  const { sim, statuses, analysed, keys } = pipeline;

  beforeAll(async () => {
    await pipeline.start({
      cameras: [
        { id: WORKSHOP, clip: "workshop-clean", startSecond: 0 },
        { id: STREET, clip: "pedestrians", startSecond: 0 },
        { id: QUIET, clip: "workshop-clean", startSecond: 30 },
      ],
      secret: "e2e-tamper",
      keyPrefix: "tmp",
      mediaDirPrefix: "mf-e2e-tamper-",
      cameraRules: async () => rulesFromCameraRow({ schedule: ALWAYS, analytics: ONLY_TAMPER }),
    });
  }, 180_000);

  afterAll(async () => {
    await pipeline.stop([WORKSHOP, STREET, QUIET].map((id) => `${prefix}:analytics:tamper:${id}`));
  });

  const alertsOf = (cameraId: number) => pipeline.alertsOf(cameraId);
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
          [WORKSHOP, STREET, QUIET].map((id) => pipeline.redis.exists(`${prefix}:analytics:tamper:${id}`)),
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
      const jpeg = (await pipeline.redis.getBuffer(a.evidenceKey as string)) as Buffer;
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
