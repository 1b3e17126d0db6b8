/**
 * A worker that cannot keep up drops stale frames instead of falling further behind: frames arrive at
 * ~40/s for 3 s while each analysis takes ≥100 ms (10/s); the lag of what is analysed stays under the
 * configured maximum age and the backlog is gone soon after the producer stops.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, QUEUES, redisBlobStore } from "@mingfang/core";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parseAnalyticsConfig } from "../config.schema.js";
import { squaresJpeg } from "../testing/frames.js";
import { yoloShapedModel } from "../testing/onnx-builder.js";
import { type Analyser, createInlineAnalyser } from "./analyser.js";
import { FrameProcessor, startFramesConsumer } from "./analytics.worker.js";
import { createAnalyticsRegistry } from "./metrics.js";

const redisUrl = inject("redisUrl");
const prefix = `t-lag-${process.pid}-${Date.now()}`;
const dir = mkdtempSync(path.join(tmpdir(), "mingfang-lag-"));
writeFileSync(path.join(dir, "m.onnx"), yoloShapedModel());
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("stale frames", () => {
  it("keeps the lag bounded by dropping frames older than maxFrameAgeS (newest wins)", async () => {
    const config = parseAnalyticsConfig({
      modelsDir: dir,
      maxFrameAgeS: 1,
      models: {
        m: {
          path: "m.onnx",
          type: "yolov8",
          classes: ["head", "hat", "hand"],
          inputSize: 64,
          classMap: { head: "no_hat" },
        },
      },
      defaults: {
        checks: {
          no_hat: { source: { type: "yolo", model: "m" }, motionGated: false },
          no_gloves: { enabled: false },
          unclean_area: { enabled: false },
        },
      },
    });
    const inline = await createInlineAnalyser(config);
    cleanups.push(() => inline.close());
    const lags: number[] = [];
    // The real analysis, made slow: a model that needs 100 ms a frame on this machine.
    const slow: Analyser = {
      caps: inline.caps,
      missing: inline.missing,
      close: () => inline.close(),
      analyse: async (jpeg, plan) => {
        await new Promise((r) => setTimeout(r, 100));
        return inline.analyse(jpeg, plan);
      },
    };
    const { metrics, registry } = createAnalyticsRegistry();
    const logger = createLogger({ level: "silent" });
    const processor = new FrameProcessor({
      config,
      analyser: slow,
      metrics,
      logger,
      publish: async () => {},
    });
    const original = processor.process.bind(processor);
    processor.process = async (data, blobs) => {
      // The frame's age when the worker picked it up (what the newest-wins rule bounds).
      const age = (Date.now() - Date.parse((data as { capturedAt: string }).capturedAt)) / 1000;
      const r = await original(data, blobs);
      if (r.outcome === "analysed") lags.push(age);
      return r;
    };
    const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const blobs = redisBlobStore(conn);
    const consumer = await startFramesConsumer({
      redisUrl,
      prefix,
      concurrency: 1,
      processor,
      blobs,
      metrics,
      logger,
    });
    cleanups.push(() => consumer.stop());
    const frames = new Queue(QUEUES.frames, { connection: conn, prefix });
    cleanups.push(async () => {
      await frames.obliterate({ force: true });
      await frames.close();
      conn.disconnect();
    });

    const jpeg = await squaresJpeg(128, 96, [{ x: 0, y: 0, s: 32, rgb: [0, 255, 0] }]);
    const started = Date.now();
    let produced = 0;
    // Worst case for the consumer: every frame is its own job (no replacement by the producer).
    while (Date.now() - started < 3000) {
      const frameKey = await blobs.put("frame", jpeg);
      await frames.add(
        "frame",
        { cameraId: 1, capturedAt: new Date().toISOString(), frameKey, width: 128, height: 96 },
        { removeOnComplete: true },
      );
      produced++;
      await new Promise((r) => setTimeout(r, 25));
    }
    const stoppedAt = Date.now();
    while (
      (await frames.getWaitingCount()) + (await frames.getActiveCount()) > 0 &&
      Date.now() - stoppedAt < 20_000
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const drainS = (Date.now() - stoppedAt) / 1000;
    const count = async (outcome: string) =>
      (await registry.getSingleMetric("mingfang_analytics_frames_total")?.get())?.values.find(
        (v) => v.labels.outcome === outcome,
      )?.value ?? 0;
    const analysed = await count("analysed");
    const stale = await count("stale");
    // Analysed frames were at most maxFrameAgeS old when picked up; many were dropped; none were lost
    // silently; the backlog is gone soon after the producer stops (without dropping it would take
    // produced × 0.1 s ≈ 10 s more).
    expect(analysed).toBeGreaterThan(3);
    expect(stale).toBeGreaterThan(produced / 3);
    expect(analysed + stale + (await count("superseded"))).toBe(produced);
    expect(Math.max(...lags)).toBeLessThanOrEqual(1);
    expect(drainS).toBeLessThan(5);
  }, 45_000);
});
