/**
 * The ingest's metrics read the owners at each scrape: a camera counts by its current status and state
 * while this node runs it, and not at all once it stopped or moved away; frames are counted as pushed.
 */
import type { CameraStatus } from "@mingfang/core";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerIngestMetrics } from "./ingest-metrics.js";

function status(cameraId: number, s: CameraStatus["status"], state: string, restarts = 0): CameraStatus {
  const now = new Date().toISOString();
  return {
    cameraId,
    status: s,
    state,
    fps: null,
    bitrateKbps: null,
    lastFrameAt: null,
    lastError: null,
    since: now,
    restarts,
    updatedAt: now,
  };
}

async function values(registry: Registry, name: string) {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []) as { labels: Record<string, string>; value: number }[];
}

describe("ingest metrics", () => {
  it("counts the cameras this node runs by status and state, forgetting those it stopped", async () => {
    const registry = new Registry();
    const m = registerIngestMetrics(registry);
    const now = new Map<number, CameraStatus>([
      [1, status(1, "online", "live", 2)],
      [2, status(2, "online", "live")],
      [3, status(3, "offline", "backoff", 5)],
    ]);
    // The gauges read the cameras' statuses as they are at the scrape.
    m.attach({ runningStatuses: () => [...now.values()] });
    expect(await values(registry, "mingfang_ingest_cameras")).toEqual(
      expect.arrayContaining([
        { labels: { status: "online", state: "live" }, value: 2 },
        { labels: { status: "offline", state: "backoff" }, value: 1 },
      ]),
    );
    expect((await values(registry, "mingfang_ingest_camera_restarts"))[0]?.value).toBe(7);
    now.delete(3); // stopped, or its lease moved to another node
    const after = await values(registry, "mingfang_ingest_cameras");
    expect(after).toEqual([{ labels: { status: "online", state: "live" }, value: 2 }]);
    expect((await values(registry, "mingfang_ingest_camera_restarts"))[0]?.value).toBe(2);
  });

  it("counts frames only once the inner sink took them; lease moves by reason", async () => {
    const registry = new Registry();
    const m = registerIngestMetrics(registry);
    let fail = false;
    const frames = m.frameSink({
      push: async () => {
        if (fail) throw new Error("redis down");
      },
      close: async () => {},
    });
    await frames.push(1, Buffer.alloc(1), 640, 360, "fps");
    await frames.push(2, Buffer.alloc(1), 640, 360, "keyframe");
    fail = true;
    await expect(frames.push(3, Buffer.alloc(1), 640, 360, "fps")).rejects.toThrow("redis down");
    expect((await values(registry, "mingfang_ingest_frames_sampled_total"))[0]?.value).toBe(2);
    m.leaseMoves.inc({ reason: "acquired" });
    expect(await values(registry, "mingfang_ingest_lease_moves_total")).toEqual([
      { labels: { reason: "acquired" }, value: 1 },
    ]);
  });
});
