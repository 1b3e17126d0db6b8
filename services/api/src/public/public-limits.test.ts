import { describe, expect, it } from "vitest";
import { daysSince } from "./public.views.js";
import { publicClassOf, shanghaiDay } from "./public-limits.js";

describe("public limits: which budget a path uses, and the local day", () => {
  it.each([
    ["/public/hls/3/index.m3u8", "hls"],
    ["/public/hls/3/seg-1.ts?x=1", "hls"],
    ["/api/public/sites", "json"],
    ["/api/public/sites/4/feedback", "json"],
    ["/public", "json"],
    ["/public?from=qr", "json"],
    ["/public/sites/4", "json"],
    ["/api/public-feedback", null],
    ["/api/public-feedback/summary", null],
    ["/publications", null],
    ["/api/me", null],
    ["/media/hls/3/index.m3u8", null],
    ["/assets/public-abc.js", null],
  ])("%s → %s", (url, kind) => {
    expect(publicClassOf(url)).toBe(kind);
  });

  it("counts days in Asia/Shanghai: 16:00 UTC is the next local day, with 8 h left", () => {
    expect(shanghaiDay(Date.parse("2026-12-07T15:59:59Z"))).toEqual({ day: "2026-12-07", secondsLeft: 1 });
    expect(shanghaiDay(Date.parse("2026-12-07T16:00:00Z"))).toEqual({
      day: "2026-12-08",
      secondsLeft: 86_400,
    });
    expect(shanghaiDay(Date.parse("2026-12-08T08:00:00Z"))).toEqual({
      day: "2026-12-08",
      secondsLeft: 8 * 3600,
    });
  });

  it("gives whole days since a violation, 0 on the day itself, null without one", () => {
    const now = new Date("2026-12-07T12:00:00Z");
    expect(daysSince(null, now)).toBeNull();
    expect(daysSince(new Date("2026-12-07T11:00:00Z"), now)).toBe(0);
    expect(daysSince(new Date("2026-12-02T12:00:00Z"), now)).toBe(5);
    expect(daysSince(new Date("2026-12-08T00:00:00Z"), now)).toBe(0);
  });
});
