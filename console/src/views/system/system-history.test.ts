import { describe, expect, it } from "vitest";
import type { SystemStatus } from "@/api/types";
import {
  bytes,
  diskUsedPercent,
  fpsSeries,
  oldestWaiting,
  pushSample,
  queueSeries,
  type Sample,
  sampleOf,
  sortCameras,
  statusRows,
  totalWaiting,
} from "./system-history";

const q = (name: string, waiting: number, oldest: number | null) => ({
  name,
  waiting,
  active: 0,
  delayed: 0,
  failed: 0,
  oldestWaitingSeconds: oldest,
});

describe("system history", () => {
  it("takes a sample from a status", () => {
    const s = {
      at: "2026-12-07T04:00:00.000Z",
      analytics: { framesPerSecond: 3.5 },
      queues: [q("frames", 2, 1), q("alerts", 0, null)],
    } as unknown as SystemStatus;
    expect(sampleOf(s)).toEqual({ at: Date.parse(s.at), fps: 3.5, waiting: { frames: 2, alerts: 0 } });
  });

  it("keeps samples in time order and at most max of them", () => {
    let h: Sample[] = [];
    for (let i = 1; i <= 5; i++) h = pushSample(h, { at: i * 1000, fps: i, waiting: { frames: i } }, 3);
    expect(h.map((s) => s.at)).toEqual([3000, 4000, 5000]);
    expect(pushSample(h, { at: 5000, fps: 9, waiting: {} }, 3)).toBe(h);
    expect(fpsSeries(h)).toEqual([
      [3000, 3],
      [4000, 4],
      [5000, 5],
    ]);
  });

  it("gives one series per queue, zero where a sample lacks it", () => {
    const h: Sample[] = [
      { at: 1, fps: 0, waiting: { frames: 1 } },
      { at: 2, fps: 0, waiting: { frames: 2, alerts: 4 } },
    ];
    expect(queueSeries(h)).toEqual({
      frames: [
        [1, 1],
        [2, 2],
      ],
      alerts: [
        [1, 0],
        [2, 4],
      ],
    });
  });

  it("formats bytes and the disk's used share", () => {
    expect(bytes(512)).toBe("512 B");
    expect(bytes(1536)).toBe("1.5 KB");
    expect(bytes(250 * 1024 ** 3)).toBe("250 GB");
    expect(bytes(null)).toBe("—");
    expect(
      diskUsedPercent({ path: "/", totalBytes: 200, freeBytes: 50, mediaBytes: 0, mediaPartial: false }),
    ).toBe(75);
    expect(
      diskUsedPercent({
        path: "/",
        totalBytes: null,
        freeBytes: null,
        mediaBytes: null,
        mediaPartial: false,
      }),
    ).toBeNull();
  });

  it("orders camera states, leaving zero rows out", () => {
    expect(statusRows({ offline: 2, online: 5, unknown: 0 })).toEqual([
      { status: "online", count: 5 },
      { status: "offline", count: 2 },
    ]);
    expect(statusRows({}).length).toBe(5);
  });

  it("lists cameras needing attention first", () => {
    const cams = [
      { id: 1, status: "online" },
      { id: 2, status: "disabled" },
      { id: 3, status: "unknown" },
      { id: 4, status: "offline" },
      { id: 5, status: "stalled" },
      { id: 6, status: "offline" },
    ];
    expect(sortCameras(cams).map((c) => c.id)).toEqual([4, 6, 5, 3, 1, 2]);
  });

  it("sums queue depths and finds the longest wait", () => {
    const qs = [q("frames", 2, 1.5), q("alerts", 3, 12), q("escalations", 0, null)];
    expect(totalWaiting(qs)).toBe(5);
    expect(oldestWaiting(qs)).toBe(12);
    expect(oldestWaiting([q("frames", 0, null)])).toBeNull();
  });
});
