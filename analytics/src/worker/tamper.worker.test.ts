/**
 * The tamper check through the frame processor (inline analysis, no models needed): a restarted worker
 * restores the camera's reference from its store and judges at once — a camera covered while the worker
 * was down is not learned as its new reference; an alert's evidence is the reference beside the frame.
 */
import { createLogger } from "@mingfang/core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { parseAnalyticsConfig } from "../config.schema.js";
import type { TamperSnapshot } from "../rules/tamper.state.js";
import { workshopScene } from "../testing/scenes.js";
import { createInlineAnalyser } from "./analyser.js";
import { FrameProcessor } from "./analytics.worker.js";
import { createAnalyticsRegistry } from "./metrics.js";
import type { TamperStore } from "./tamper.store.js";

const config = parseAnalyticsConfig({
  models: {},
  defaults: {
    checks: {
      no_gloves: { enabled: false },
      no_hat: { enabled: false },
      unclean_area: { enabled: false },
      tamper: { intervalS: 0, reference: { samples: 3 } },
    },
  },
});

describe("tamper check in the worker", () => {
  it("keeps the reference across a restart and raises camera_covered with side-by-side evidence", async () => {
    const kept = new Map<number, TamperSnapshot | null>();
    const store: TamperStore = {
      load: async (id) => kept.get(id) ?? undefined,
      save: async (id, s) => {
        kept.set(id, s);
      },
    };
    const analyser = await createInlineAnalyser(config);
    const alerts: { type: string; evidence: Buffer }[] = [];
    const worker = () =>
      new FrameProcessor({
        config,
        analyser,
        metrics: createAnalyticsRegistry().metrics,
        logger: createLogger({ level: "silent" }),
        tamperReferences: store,
        publish: async (a, media) => {
          alerts.push({ type: a.type, evidence: media.evidence });
        },
      });
    let t = Date.now() - 8000;
    const frame = (p: FrameProcessor, jpeg: Buffer) => {
      t += 100;
      return p.processFrame({
        cameraId: 5,
        capturedAt: new Date(t).toISOString(),
        jpeg,
        width: 640,
        height: 480,
      });
    };
    const first = worker();
    for (const b of [0.95, 1, 1.05]) await frame(first, await workshopScene({ brightness: b }));
    expect(kept.get(5)?.samples).toHaveLength(3);

    // Restarted while a cloth hangs over the lens: the kept reference judges the covered frames.
    const second = worker();
    const cloth = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#c4c4be" } })
      .jpeg()
      .toBuffer();
    for (let i = 0; i < 3; i++) await frame(second, cloth);
    expect(alerts.map((a) => a.type)).toEqual(["camera_covered"]);
    const meta = await sharp(alerts[0]?.evidence).metadata();
    expect([meta.width, meta.height]).toEqual([1280, 480]);
    expect(kept.get(5)?.samples).toHaveLength(3); // the cloth was not learned
    await analyser.close();
  });
});
