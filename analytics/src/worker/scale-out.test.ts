/**
 * Two analytics workers on one `frames` queue (two FrameProcessors with their own Redis connections and
 * BullMQ consumers, in this test process), against the run's private Redis: no camera analysed by both at
 * once, newest wins across them, a k-of-n window fed by both raises one alert, and the claims cost two
 * Redis round trips per analysed frame. The analyser is instrumented (no models: the observation says
 * whether the frame shows a bare head).
 */

import { type AlertJob, createLogger, createRedis, type Redis, redisBlobStore } from "@mingfang/core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FrameObservation } from "../analysis/frame.pipeline.js";
import { parseAnalyticsConfig } from "../config.schema.js";
import type { Capabilities } from "../rules/rules.engine.js";
import { openTestQueues, type TestQueues } from "../testing/queues.js";
import type { Analyser } from "./analyser.js";
import { FrameProcessor, startFramesConsumer } from "./analytics.worker.js";
import { redisBaselineStore } from "./baseline.store.js";
import { redisCameraClaims } from "./camera-claims.js";
import { createAnalyticsRegistry } from "./metrics.js";

const redisUrl = inject("redisUrl");
const prefix = `t-scaleout-${process.pid}-${Date.now()}`;
const logger = createLogger({ level: "silent" });
const conns: Redis[] = [];
const stoppers: (() => Promise<void>)[] = [];
let q: TestQueues;

const config = parseAnalyticsConfig({
  modelsDir: "/nonexistent",
  maxFrameAgeS: 120,
  models: {},
  defaults: {
    checks: {
      no_hat: {
        source: { type: "yolo", model: "helmet" },
        motionGated: false,
        persistence: { k: 2, n: 3 },
        cooldownS: 600,
      },
      no_gloves: { enabled: false },
      no_mask: { enabled: false },
      unclean_area: { enabled: false },
      tamper: { enabled: false },
    },
  },
  // Camera 41: the clean-area check alone, on every frame, 2 of 3.
  cameras: {
    "41": {
      checks: {
        no_hat: { enabled: false },
        unclean_area: { enabled: true, intervalS: 0, persistence: { k: 2, n: 3 } },
      },
    },
  },
});

const caps: Capabilities = {
  person: false,
  pose: false,
  glove: false,
  headcover: false,
  custom: new Map([["helmet", new Set(["no_hat"])]]),
  broken: {},
  names: {},
};

/** What the instrumented analysers saw, shared by both workers. */
const seen = {
  active: new Map<number, number>(),
  maxActive: 0,
  /** Per camera, the capture times in the order their analyses began. */
  order: new Map<number, number[]>(),
  by: new Map<string, number>(),
};

/** An analyser that reads the frame's tag (tag()). `gate`: a promise the analysis waits for (to hold a camera). */
function analyser(name: string, gate?: () => Promise<void>): Analyser {
  return {
    caps,
    missing: [],
    close: async () => {},
    async analyse(jpeg, plan): Promise<FrameObservation> {
      const { cameraId, captured, bare, messy } = decodeTag(jpeg);
      const n = (seen.active.get(cameraId) ?? 0) + 1;
      seen.active.set(cameraId, n);
      seen.maxActive = Math.max(seen.maxActive, n);
      seen.order.set(cameraId, [...(seen.order.get(cameraId) ?? []), captured]);
      seen.by.set(name, (seen.by.get(name) ?? 0) + 1);
      try {
        await (gate ? gate() : new Promise((r) => setTimeout(r, 5 + Math.random() * 20)));
      } finally {
        seen.active.set(cameraId, (seen.active.get(cameraId) ?? 1) - 1);
      }
      const head = { x1: 10, y1: 10, x2: 40, y2: 40, score: 0.9, label: "head", violation: "no_hat" };
      return {
        width: 64,
        height: 48,
        thumb: new Uint8Array(64 * 48),
        motion: true,
        peopleRan: false,
        persons: [],
        hands: [],
        heads: [],
        unknownParts: 0,
        custom: { helmet: bare ? [head] : [] },
        ...(plan.detail ? { detail: detail(plan.detail.width, plan.detail.height, messy) } : {}),
        ms: {},
      };
    },
  };
}

/** The clean-area check's thumbnail: an even grey floor, with a bright box left on it when messy. */
function detail(w: number, h: number, messy: boolean): Uint8Array {
  const d = new Uint8Array(w * h).fill(100);
  if (messy) for (let y = h / 2; y < h - 10; y++) for (let x = w / 4; x < w / 2; x++) d[y * w + x] = 230;
  return d;
}

/** A small grey JPEG (the evidence is drawn on it). */
const JPEG = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#808080" } })
  .jpeg()
  .toBuffer();

/**
 * A frame's bytes: the JPEG, then (after its end, where decoders do not look) the camera id, the capture
 * time and the violation flag, so that the analyser knows which frame it is given.
 */
function tag(bare: boolean, cameraId: number, capturedMs: number, messy = false): Buffer {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(cameraId, 0);
  b.writeDoubleBE(capturedMs, 4);
  b[12] = (bare ? 1 : 0) | (messy ? 2 : 0);
  return Buffer.concat([JPEG, b]);
}
function decodeTag(jpeg: Uint8Array): { cameraId: number; captured: number; bare: boolean; messy: boolean } {
  const b = Buffer.from(jpeg).subarray(jpeg.length - 13);
  const flags = b[12] ?? 0;
  return {
    cameraId: b.readUInt32BE(0),
    captured: b.readDoubleBE(4),
    bare: !!(flags & 1),
    messy: !!(flags & 2),
  };
}

interface TestWorker {
  processor: FrameProcessor;
  alerts: AlertJob[];
  /** Commands sent on the claims connection. */
  commands: () => number;
}

/** A worker: its own Redis connections (claims, baselines), its own processor and rules engine. */
function worker(name: string, gate?: () => Promise<void>): TestWorker {
  const claimsRedis = createRedis(redisUrl, { keyPrefix: `${prefix}:` });
  const stores = createRedis(redisUrl);
  conns.push(claimsRedis, stores);
  let commands = 0;
  const send = claimsRedis.sendCommand.bind(claimsRedis);
  claimsRedis.sendCommand = ((...args: Parameters<typeof send>) => {
    commands++;
    return send(...args);
  }) as typeof send;
  const alerts: AlertJob[] = [];
  const processor = new FrameProcessor({
    config,
    analyser: analyser(name, gate),
    metrics: createAnalyticsRegistry().metrics,
    logger,
    baselines: redisBaselineStore(stores, prefix),
    claims: redisCameraClaims(claimsRedis),
    publish: async (alert) => void alerts.push(alert),
  });
  return { processor, alerts, commands: () => commands };
}

const frame = (cameraId: number, capturedMs: number, bare: boolean, messy = false) => ({
  cameraId,
  capturedAt: new Date(capturedMs).toISOString(),
  width: 64,
  height: 48,
  jpeg: tag(bare, cameraId, capturedMs, messy),
});

beforeAll(async () => {
  q = await openTestQueues(redisUrl, prefix);
  q.frames.setMaxListeners(100); // one waitUntilFinished per job
});
afterAll(async () => {
  for (const s of stoppers) await s().catch(() => {});
  await q?.close();
  for (const c of conns) c.disconnect();
});

describe("two analytics workers on one queue", () => {
  it("a 2-of-3 window fed by both workers raises exactly one alert; the cooldown holds on either", async () => {
    const a = worker("a");
    const b = worker("b");
    const t = Date.now() - 1000;
    expect((await a.processor.processFrame(frame(11, t, true))).alerts).toEqual([]);
    const second = await b.processor.processFrame(frame(11, t + 100, true));
    expect(second).toMatchObject({ outcome: "analysed", alerts: [expect.any(String)] });
    for (let i = 2; i < 8; i++) {
      const w = i % 2 ? b : a;
      expect((await w.processor.processFrame(frame(11, t + i * 100, true))).alerts).toEqual([]);
    }
    expect(a.alerts.length + b.alerts.length).toBe(1);
    // A frame behind the newest, on the worker that never saw the newer one: superseded.
    expect((await b.processor.processFrame(frame(11, t + 650, true))).outcome).toBe("superseded");
    // Two claims round trips per analysed frame (claim, release), none more for a lone worker's camera.
    // (After a first frame: the connection's handshake and the scripts' first load are not per frame.)
    const c = worker("c");
    await c.processor.processFrame(frame(12, t, false));
    const before = c.commands();
    for (let i = 1; i <= 5; i++) await c.processor.processFrame(frame(12, t + i * 100, false));
    expect(c.commands() - before).toBe(10);
  });

  it("a clean baseline learned by both workers in turn is the one either compares with: one unclean_area alert", async () => {
    const a = worker("a");
    const b = worker("b");
    const t = Date.now() - 1000;
    const outcomes = [];
    // 5 clean frames (the baseline's samples) alternately on a and b, then messy ones.
    for (let i = 0; i < 9; i++) {
      const w = i % 2 ? b : a;
      outcomes.push(await w.processor.processFrame(frame(41, t + i * 50, false, i >= 5)));
    }
    const alerts = [...a.alerts, ...b.alerts];
    expect(alerts.map((x) => x.type)).toEqual(["unclean_area"]);
    // The second messy frame (2 of 3), on b: b compared with the samples a learned too.
    expect(outcomes.findIndex((o) => o.alerts.length)).toBe(6);
  });

  it("a frame waiting for its camera gives way to a newer one (superseded), which is analysed next", async () => {
    let open: () => void = () => {};
    const opened = new Promise<void>((r) => {
      open = r;
    });
    const holder = worker("holder", () => opened);
    const b = worker("b");
    const c = worker("c");
    const t = Date.now() - 1000;
    const held = holder.processor.processFrame(frame(21, t, false));
    await until(() => (seen.active.get(21) ?? 0) === 1);
    const waiting = b.processor.processFrame(frame(21, t + 100, false));
    await new Promise((r) => setTimeout(r, 50)); // b is polling for the lock
    const newer = c.processor.processFrame(frame(21, t + 200, false));
    expect((await waiting).outcome).toBe("superseded");
    open();
    expect((await held).outcome).toBe("analysed");
    expect((await newer).outcome).toBe("analysed");
    expect(seen.order.get(21)).toEqual([t, t + 200]);
  });

  it("BullMQ: two consumers, frames of three cameras — never one camera twice at once, newest wins, one alert", async () => {
    seen.maxActive = 0;
    seen.by.clear();
    const workers = [worker("q1"), worker("q2")];
    const blobs = redisBlobStore(createRedis(redisUrl));
    for (const w of workers) {
      const consumer = await startFramesConsumer({
        redisUrl,
        prefix,
        concurrency: 2,
        processor: w.processor,
        blobs,
        metrics: createAnalyticsRegistry().metrics,
        logger,
      });
      stoppers.push(consumer.stop);
    }
    const t = Date.now() - 5000;
    const jobs = [];
    for (let k = 0; k < 12; k++)
      for (const cam of [31, 32, 33]) jobs.push(await q.addFrame(frame(cam, t + k * 200, cam === 31)));
    const results = await Promise.all(jobs.map((j) => j.waitUntilFinished(q.events, 30_000)));
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.every((o) => o === "analysed" || o === "superseded")).toBe(true);
    expect(seen.maxActive).toBe(1);
    expect(seen.by.get("q1")).toBeGreaterThan(0);
    expect(seen.by.get("q2")).toBeGreaterThan(0);
    for (const cam of [31, 32, 33]) {
      const order = seen.order.get(cam) ?? [];
      expect(order.length).toBeGreaterThan(1);
      expect(order).toEqual([...order].sort((x, y) => x - y)); // no frame analysed after a newer one
      expect(new Set(order).size).toBe(order.length);
    }
    expect(workers.flatMap((w) => w.alerts).map((a) => a.cameraId)).toEqual([31]);
  }, 60_000);
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
