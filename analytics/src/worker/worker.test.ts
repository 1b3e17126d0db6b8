/**
 * The worker on the real path: the run's private Redis, BullMQ, inference threads running ONNX Runtime on
 * a YOLO-shaped model this test writes, evidence rendered by sharp. A user's own detector with a class map
 * replaces the default no_hat check by configuration only.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AlertJob, createLogger, type FrameJob } from "@mingfang/core";
import type { Queue, QueueEvents } from "bullmq";
import { Registry } from "prom-client";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AnalyticsHandle, startAnalytics } from "../index.js";
import { squaresJpeg } from "../testing/frames.js";
import { yoloShapedModel } from "../testing/onnx-builder.js";
import { openTestQueues, type TestQueues } from "../testing/queues.js";

const redisUrl = inject("redisUrl");
const prefix = `t-analytics-${process.pid}-${Date.now()}`;
const dir = mkdtempSync(path.join(tmpdir(), "mingfang-worker-"));
writeFileSync(path.join(dir, "helmet.onnx"), yoloShapedModel());
writeFileSync(path.join(dir, "junk.onnx"), "not a model, only text: ".repeat(20));

const RED: [number, number, number] = [255, 0, 0]; // class 0 "head": an uncovered head
const GREEN: [number, number, number] = [0, 255, 0]; // class 1 "hat"

const config = {
  modelsDir: dir,
  concurrency: 2,
  maxFrameAgeS: 30,
  models: {
    helmet: {
      path: "helmet.onnx",
      type: "yolov8",
      classes: ["head", "hat", "hand"],
      inputSize: 64,
      score: 0.5,
      classMap: { head: "no_hat", hat: null, hand: null },
    },
    broken: {
      path: "junk.onnx",
      type: "yolov8",
      classes: ["litter"],
      inputSize: 64,
      classMap: { litter: "unclean_area" },
    },
  },
  defaults: {
    checks: {
      no_hat: {
        source: { type: "yolo", model: "helmet" },
        motionGated: false,
        persistence: { k: 2, n: 3 },
        cooldownS: 600,
      },
      no_gloves: { enabled: false },
      unclean_area: { enabled: false },
    },
  },
  // Camera 9 also runs a check whose model is broken.
  cameras: {
    "9": { checks: { unclean_area: { enabled: true, source: { type: "yolo", model: "broken" } } } },
  },
};

let handle: AnalyticsHandle;
let frames: Queue;
let alerts: Queue;
let events: QueueEvents;
let q: TestQueues;
const registry = new Registry();

beforeAll(async () => {
  const logger = createLogger({ level: "silent" });
  handle = await startAnalytics({ redisUrl, logger, config, prefix, registry });
  q = await openTestQueues(redisUrl, prefix);
  ({ frames, alerts, events } = q);
}, 60_000);

afterAll(async () => {
  await handle?.stop();
  await q?.close();
});

let seq = 0;
/** A frame job whose JPEG is a blob (as the ingest queues it); `extra` overrides the job's fields. */
async function frame(
  cameraId: number,
  jpeg: Buffer | string,
  extra: Partial<FrameJob> = {},
  at = new Date(),
) {
  const data = {
    cameraId,
    capturedAt: at.toISOString(),
    jpeg: typeof jpeg === "string" ? Buffer.from(jpeg, "base64") : jpeg,
    width: 256,
    height: 192,
  };
  const job = await q.addFrame(data, { jobId: `t-${cameraId}-${seq++}` }, extra);
  try {
    return { ok: true as const, value: await job.waitUntilFinished(events, 30_000) };
  } catch (err) {
    return { ok: false as const, reason: (err as Error).message };
  }
}

describe("analytics worker", () => {
  it("alerts once (persistence 2 of 3, then cooldown) with evidence for an uncovered head; none for a capped one", async () => {
    const violating = await squaresJpeg(256, 192, [{ x: 64, y: 32, s: 64, rgb: RED }]);
    const compliant = await squaresJpeg(256, 192, [{ x: 64, y: 32, s: 64, rgb: GREEN }]);
    const base = Date.now() - 5000;
    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await frame(1, violating, {}, new Date(base + i * 500)));
      results.push(await frame(2, compliant, {}, new Date(base + i * 500)));
    }
    expect(results.every((r) => r.ok)).toBe(true);
    const jobs = await alerts.getJobs(["waiting", "delayed", "active", "completed", "failed"]);
    const got = jobs.map((j) => j.data as AlertJob);
    expect(got).toHaveLength(1);
    const alert = got[0] as AlertJob;
    expect(Value.Check(AlertJob, alert)).toBe(true);
    expect(alert).toMatchObject({ cameraId: 1, type: "no_hat", model: "helmet" });
    // a card-less YOLO export: its version is the file's short SHA-256
    expect(alert.modelVersion).toMatch(/^helmet@[0-9a-f]{12}$/);
    expect(alert.confidence).toBeGreaterThan(0.9);
    // The red square is at 64..128 × 32..96 of 256×192: letterboxed into 64², found in one grid cell.
    const box = alert.boxes[0];
    expect(box?.x).toBeCloseTo(0.25, 1);
    expect(box?.w).toBeCloseTo(0.25, 1);
    // The images are blobs beside the job, not base64 inside it.
    const jpeg = (await q.blobs.get(alert.evidenceKey as string)) as Buffer;
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(createHash("sha256").update(jpeg).digest("hex")).toBe(alert.evidenceSha256);
    // Beside it, the frame as analysed (the second violating one), undrawn, for training sets.
    expect((await q.blobs.get(alert.frameKey as string))?.equals(violating)).toBe(true);
    expect(createHash("sha256").update(violating).digest("hex")).toBe(alert.frameSha256);
    // The second violating frame raised it (k = 2), frames 3 and 4 were within the cooldown.
    const analysed = (await registry.getSingleMetric("mingfang_analytics_frames_total")?.get())?.values.find(
      (v) => v.labels.outcome === "analysed",
    );
    expect(analysed?.value).toBe(8);
    // The frames' blobs went once analysed (the alert's stay for the API's intake).
    const frameKeys = (await frames.getJobs(["completed", "failed"])).map((j) => j.data.frameKey as string);
    expect(await Promise.all(frameKeys.map((k) => q.blobs.get(k)))).toEqual(frameKeys.map(() => null));
  });

  it("fails bad input with a clear reason, counts it, and keeps working", async () => {
    const good = await squaresJpeg(256, 192, [{ x: 0, y: 0, s: 32, rgb: GREEN }]);
    const truncated = good.subarray(0, good.length >> 1);
    const corrupt = Buffer.from(good);
    corrupt.fill(0x11, 4, corrupt.length - 2);
    const gone = `mingfang:blob:frame:${randomUUID()}`; // expired, or never stored
    const cases = [
      { jpeg: truncated, want: /truncated/ },
      { jpeg: corrupt, want: /corrupt JPEG/ },
      { jpeg: "AAAA", want: /not_jpeg/ },
      { jpeg: good, extra: { width: 0 }, want: /bad_job.*width/ },
      { jpeg: good, extra: { frameKey: "mingfang:session:x" }, want: /bad_job.*frameKey/ },
      { jpeg: good, extra: { frameKey: gone }, want: /frame_missing: frame blob .* expired or missing/ },
    ];
    for (const c of cases) {
      const r = await frame(3, c.jpeg, (c.extra ?? {}) as Partial<FrameJob>);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(c.want);
    }
    expect((await frame(3, good)).ok).toBe(true);
    const failures =
      (await registry.getSingleMetric("mingfang_analytics_frame_failures_total")?.get())?.values ?? [];
    const count = (reason: string) => failures.find((v) => v.labels.reason === reason)?.value ?? 0;
    expect([count("truncated"), count("corrupt"), count("not_jpeg"), count("bad_job")]).toEqual([1, 1, 1, 2]);
    expect(count("frame_missing")).toBe(1);
    expect(await registry.metrics()).toContain("mingfang_analytics_frame_failures_total");
  });

  it("a model that is not ONNX fails the frames of the check that needs it, with the model's error", async () => {
    const good = await squaresJpeg(256, 192, []);
    const r = await frame(9, good);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.reason).toMatch(/^model: unclean_area: model broken: .*junk\.onnx is not an ONNX model/);
    expect((await frame(1, good)).ok).toBe(true); // cameras without that check are unaffected
  });
});
