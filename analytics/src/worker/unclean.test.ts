/**
 * unclean_area end to end through the frame processor (inline analysis, no models needed): the baseline
 * is learned from clean frames under varying light, a brighter clean frame is not a violation, clutter
 * on the floor is — and it is found even though nothing moves between the cluttered frames.
 */
import { AlertJob, createLogger, createRedis } from "@mingfang/core";
import { Value } from "typebox/value";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parseAnalyticsConfig } from "../config.schema.js";
import { CLUTTER, workshopScene } from "../testing/scenes.js";
import { createInlineAnalyser } from "./analyser.js";
import { FrameProcessor } from "./analytics.worker.js";
import { redisBaselineStore } from "./baseline.store.js";
import { createAnalyticsRegistry } from "./metrics.js";

const config = parseAnalyticsConfig({
  models: {},
  defaults: {
    zones: [
      {
        name: "地面",
        points: [
          [0, 0.55],
          [1, 0.55],
          [1, 1],
          [0, 1],
        ],
      },
    ],
    checks: {
      no_gloves: { enabled: false },
      no_hat: { enabled: false },
      unclean_area: {
        zones: ["地面"],
        intervalS: 0,
        baseline: { samples: 3 },
        persistence: { k: 2, n: 3 },
        cooldownS: 600,
      },
    },
  },
});
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe("unclean_area", () => {
  it("learns a clean baseline, tolerates lighting, flags still clutter", async () => {
    const analyser = await createInlineAnalyser(config);
    closers.push(() => analyser.close());
    const alerts: AlertJob[] = [];
    const base = Date.now() - 9000; // within maxFrameAgeS (10 s): older frames would be dropped as stale
    let t = 0;
    const p = new FrameProcessor({
      config,
      analyser,
      metrics: createAnalyticsRegistry().metrics,
      logger: createLogger({ level: "silent" }),
      publish: async (a) => {
        alerts.push(a);
      },
    });
    const send = async (jpeg: Buffer) =>
      p.processFrame({
        cameraId: 5,
        capturedAt: new Date(base + 1000 * t++).toISOString(),
        jpeg,
        width: 640,
        height: 480,
      });
    for (const b of [0.9, 1.0, 1.1]) await send(await workshopScene({ brightness: b })); // learning
    for (const b of [1.35, 0.75]) {
      await send(await workshopScene({ brightness: b }));
      await send(await workshopScene({ brightness: b }));
    }
    expect(alerts).toEqual([]);
    const messy = await workshopScene({ brightness: 1.2, clutter: CLUTTER });
    await send(messy);
    expect(alerts).toEqual([]); // 1 of 3: not yet
    await send(messy); // the same frame again: no motion, still evaluated
    expect(alerts).toHaveLength(1);
    const a = alerts[0] as AlertJob;
    expect(Value.Check(AlertJob, a)).toBe(true);
    expect(a).toMatchObject({ type: "unclean_area", zone: "地面", model: "baseline" });
    // The box covers the clutter (x 150..350, y 300..400 of 640×480).
    const b = a.boxes[0];
    expect(b?.x).toBeLessThan(150 / 640 + 0.03);
    expect((b?.x ?? 0) + (b?.w ?? 0)).toBeGreaterThan(350 / 640 - 0.03);
    expect(b?.y).toBeGreaterThan(0.55);
  });

  it("keeps the learned baseline in Redis across a restart: a worker restarted on a messy zone still sees the mess", async () => {
    const redis = createRedis(inject("redisUrl"));
    closers.push(async () => {
      redis.disconnect();
    });
    const store = redisBaselineStore(redis, `t-baseline-${process.pid}-${Date.now()}`);
    const analyser = await createInlineAnalyser(config);
    closers.push(() => analyser.close());
    const make = (alerts: AlertJob[]) =>
      new FrameProcessor({
        config,
        analyser,
        metrics: createAnalyticsRegistry().metrics,
        logger: createLogger({ level: "silent" }),
        baselines: store,
        publish: async (a) => {
          alerts.push(a);
        },
      });
    let t = 0;
    const base = Date.now() - 9000;
    const frame = (jpeg: Buffer) => ({
      cameraId: 6,
      capturedAt: new Date(base + 500 * t++).toISOString(),
      jpeg,
      width: 640,
      height: 480,
    });
    const first: AlertJob[] = [];
    const before = make(first);
    for (const b of [0.9, 1.0, 1.1]) await before.processFrame(frame(await workshopScene({ brightness: b })));
    expect(first).toEqual([]);
    // "Restart": a new processor (empty memory) sees only the messy zone.
    const after: AlertJob[] = [];
    const restarted = make(after);
    const messy = await workshopScene({ clutter: CLUTTER });
    await restarted.processFrame(frame(messy));
    await restarted.processFrame(frame(messy));
    expect(after.map((a) => a.type)).toEqual(["unclean_area"]);
    // Without the store it would have learned the mess as clean.
    const forgetful = new FrameProcessor({
      config,
      analyser,
      metrics: createAnalyticsRegistry().metrics,
      logger: createLogger({ level: "silent" }),
      publish: async (a) => {
        after.push(a);
      },
    });
    for (let i = 0; i < 5; i++) await forgetful.processFrame({ ...frame(messy), cameraId: 7 });
    expect(after).toHaveLength(1);
  });
});
