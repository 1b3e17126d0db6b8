import { describe, expect, it } from "vitest";
import { downloadDisposition, downloadPlan, localStamp } from "./playback.download.js";
import { clipSpans, dayWindow, mergeSpans, parseSpan } from "./playback.service.js";
import { remuxArgs } from "./remux.js";

const T = Date.parse("2026-12-06T01:00:00Z"); // 09:00 in Asia/Shanghai
const chunk = (startS: number, lenS: number, bytes = 1000) => ({
  startedAt: new Date(T + startS * 1000),
  endedAt: new Date(T + (startS + lenS) * 1000),
  bytes,
});

describe("playback rules", () => {
  it("merges chunks that touch (gap ≤ 2 s) and clips them to the day", () => {
    const spans = mergeSpans([chunk(60, 60), chunk(0, 60), chunk(121.5, 60), chunk(300, 10)], T, T + 305_000);
    expect(spans).toEqual([
      {
        from: new Date(T).toISOString(),
        to: new Date(T + 181_500).toISOString(),
        bytes: 3000,
        kind: "recording",
      },
      {
        from: new Date(T + 300_000).toISOString(),
        to: new Date(T + 305_000).toISOString(),
        bytes: 1000,
        kind: "recording",
      },
    ]);
    expect(mergeSpans([chunk(0, 60)], T + 60_000, T + 120_000)).toEqual([]);
  });

  it("turns clips into spans of their own", () => {
    const s = clipSpans(
      [{ alertId: "a", startedAt: new Date(T), endedAt: new Date(T + 30_000), bytes: 5 }],
      T + 10_000,
      T + 86_400_000,
    );
    expect(s).toEqual([
      {
        from: new Date(T + 10_000).toISOString(),
        to: new Date(T + 30_000).toISOString(),
        bytes: 5,
        kind: "clip",
        alertId: "a",
      },
    ]);
  });

  it("reads a local day and refuses anything else", () => {
    expect(dayWindow("2026-12-06")).toEqual({
      from: Date.parse("2026-12-05T16:00:00Z"),
      to: Date.parse("2026-12-06T16:00:00Z"),
    });
    for (const bad of ["2026-02-30", "2026-1-01", "yesterday", ""])
      expect(() => dayWindow(bad)).toThrow(/day/);
  });

  it("checks a span's order and length, naming the field", () => {
    expect(parseSpan("2026-12-06T01:00:00Z", "2026-12-06T02:00:00Z", 3600_000, "x")).toEqual({
      from: T,
      to: T + 3600_000,
    });
    expect(() => parseSpan("nope", "2026-12-06T02:00:00Z", 1, "x")).toThrow(/from/);
    expect(() => parseSpan("2026-12-06T02:00:00Z", "2026-12-06T01:00:00Z", 1e9, "x")).toThrow(/after/);
    expect(() => parseSpan("2026-12-06T01:00:00Z", "2026-12-06T02:00:01Z", 3600_000, "at most 60")).toThrow(
      /61 minutes, at most 60/,
    );
  });
});

describe("the MP4 of a span", () => {
  const c = (id: string, startS: number, n: number) => ({
    id,
    file: `/rec/${id}.ts`,
    startedAt: new Date(T + startS * 1000),
    parts: Array.from({ length: n }, () => [100, 1000] as [number, number]),
  });

  it("feeds one range per run of parts and trims what lies after the end", () => {
    const plan = downloadPlan([c("1", 0, 60), c("2", 60, 60)], T + 10_500, T + 70_200);
    expect(plan?.ranges).toEqual([
      { file: "/rec/1.ts", offset: 1000, length: 5000 },
      { file: "/rec/2.ts", offset: 0, length: 1100 },
    ]);
    expect(plan?.start).toBe(T + 10_000);
    expect(plan?.seconds).toBeCloseTo(60.2, 3);
    expect(downloadPlan([c("1", 0, 60)], T + 120_000, T + 130_000)).toBeNull();
  });

  it("remuxes by stream copy from stdin, with the index first", () => {
    const a = remuxArgs("/tmp/x.mp4", 12.5);
    expect(a.join(" ")).toContain("-f mpegts -i pipe:0");
    expect(a.join(" ")).toContain("-c copy -t 12.500 -movflags +faststart -f mp4 -y /tmp/x.mp4");
  });

  it("names the file by camera and local time", () => {
    expect(localStamp(T)).toBe("20261206-090000");
    expect(downloadDisposition({ id: 7, name: "加工/车间" }, T, T + 330_000)).toBe(
      `attachment; filename="camera-7_20261206-090000_090530.mp4"; filename*=UTF-8''${encodeURIComponent("加工_车间_20261206-090000_090530.mp4")}`,
    );
  });
});
