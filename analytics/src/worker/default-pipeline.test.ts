import { AlertJob, createLogger } from "@mingfang/core";
import type { Queue, QueueEvents } from "bullmq";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { vtestFrame } from "../eval/footage.js";
import { type AnalyticsHandle, startAnalytics } from "../index.js";
import { openTestQueues, type TestQueues } from "../testing/queues.js";
import { workshopScene } from "../testing/scenes.js";

const redisUrl = inject("redisUrl");
const prefix = `t-default-${process.pid}-${Date.now()}`;
let handle: AnalyticsHandle;
let alerts: Queue;
let events: QueueEvents;
let q: TestQueues;

beforeAll(async () => {
  handle = await startAnalytics({ redisUrl, logger: createLogger({ level: "silent" }), prefix });
  q = await openTestQueues(redisUrl, prefix);
  ({ alerts, events } = q);
}, 60_000);

afterAll(async () => {
  await handle?.stop();
  await q?.close();
});

describe("default checks on real footage", () => {
  it("flags bare heads in vtest.avi with evidence, and nothing in an empty workshop", async () => {
    expect(handle.analyser.caps).toMatchObject({ person: true, pose: true, glove: true, headcover: true });
    const street = [20, 20.5, 21].map((t) => vtestFrame(t));
    const empty = await workshopScene();
    const base = Date.now() - 3000;
    for (let i = 0; i < 3; i++) {
      for (const [cameraId, jpeg] of [
        [1, street[i]],
        [2, empty],
      ] as const) {
        const job = await q.addFrame({
          cameraId,
          capturedAt: new Date(base + i * 500).toISOString(),
          jpeg: jpeg as Buffer,
          width: 768,
          height: 576,
        });
        await job.waitUntilFinished(events, 40_000);
      }
    }
    const got = (await alerts.getJobs(["waiting", "delayed", "active", "completed", "failed"])).map(
      (j) => j.data as AlertJob,
    );
    expect(got.every((a) => Value.Check(AlertJob, a))).toBe(true);
    expect(got.filter((a) => a.cameraId === 2)).toEqual([]);
    const street1 = got.filter((a) => a.cameraId === 1);
    expect(street1.map((a) => a.type)).toContain("no_hat");
    const hat = street1.find((a) => a.type === "no_hat") as AlertJob;
    expect(hat.model).toBe("person+pose+headcover");
    expect(hat.boxes.some((b) => b.label === "no_hat")).toBe(true);
    expect(hat.boxes.some((b) => b.label === "person")).toBe(true);
    expect(hat.evidenceSha256).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);
});
