import { describe, expect, it } from "vitest";
import {
  blocks,
  clock,
  dayStartMs,
  dayWindow,
  localDayOf,
  mediaTimeOf,
  playFrom,
  playWindow,
  type Span,
  selection,
  ticks,
  timeAt,
  wallTimeOf,
  zoomAround,
} from "./timeline-model";

const DAY = "2026-12-06";
const D0 = Date.parse("2026-12-05T16:00:00Z"); // 00:00 in Asia/Shanghai
const at = (hhmm: string) => D0 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))) * 60_000;
const span = (a: string, b: string, extra: Partial<Span> = {}): Span => ({
  from: new Date(at(a)).toISOString(),
  to: new Date(at(b)).toISOString(),
  bytes: 1,
  ...extra,
});

describe("playback timeline model", () => {
  it("knows the local day", () => {
    expect(dayStartMs(DAY)).toBe(D0);
    expect(localDayOf(D0)).toBe(DAY);
    expect(localDayOf(D0 - 1)).toBe("2026-12-05");
    expect(clock(at("09:05") + 7000)).toBe("09:05:07");
  });

  it("zooms to an hour around a point, within the day", () => {
    expect(zoomAround(at("10:00"), DAY)).toEqual({ from: at("09:30"), to: at("10:30") });
    expect(zoomAround(at("00:10"), DAY)).toEqual({ from: D0, to: at("01:00") });
    expect(zoomAround(at("23:50"), DAY).to).toBe(D0 + 86_400_000);
  });

  it("ticks every 2 h over a day and every 10 min over an hour", () => {
    const day = ticks(dayWindow(DAY));
    expect(day.map((x) => x.label)).toEqual([
      "00:00",
      "02:00",
      "04:00",
      "06:00",
      "08:00",
      "10:00",
      "12:00",
      "14:00",
      "16:00",
      "18:00",
      "20:00",
      "22:00",
      "24:00",
    ]);
    const hour = ticks({ from: at("09:25"), to: at("10:25") });
    expect(hour.map((x) => x.label)).toEqual(["09:30", "09:40", "09:50", "10:00", "10:10", "10:20"]);
    expect(timeAt(0.5, dayWindow(DAY))).toBe(at("12:00"));
  });

  it("draws spans clipped to the window", () => {
    const b = blocks([span("08:00", "12:00"), span("20:00", "21:00")], {
      from: at("11:00"),
      to: at("12:00"),
    });
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ left: 0, width: 100 });
  });

  it("plays from the click inside a span, from the next span in a gap, nothing after the last", () => {
    const spans = [span("13:00", "14:00"), span("08:00", "09:00", { kind: "clip", alertId: "a" })];
    expect(playFrom(spans, at("08:30"))).toMatchObject({ at: at("08:30"), span: { alertId: "a" } });
    expect(playFrom(spans, at("10:00"))?.at).toBe(at("13:00"));
    expect(playFrom(spans, at("15:00"))).toBeNull();
    expect(playWindow(at("23:30"), DAY)).toEqual({ from: at("23:30"), to: D0 + 86_400_000 });
  });

  it("orders a selection and refuses an empty one", () => {
    expect(selection(at("10:05"), at("10:00"))).toEqual({ from: at("10:00"), to: at("10:05") });
    expect(selection(5, 500)).toBeNull();
  });

  it("maps wall-clock time to media time through program date-times, and back", () => {
    const frags = [
      { start: 0, duration: 4, programDateTime: at("09:00") },
      { start: 4, duration: 4, programDateTime: at("09:00") + 4000 },
      // after a gap (a discontinuity): media time runs on, wall time jumps
      { start: 8, duration: 4, programDateTime: at("09:10") },
    ];
    expect(mediaTimeOf(frags, at("09:00") + 5500)).toBe(5.5);
    expect(mediaTimeOf(frags, at("09:10") + 1000)).toBe(9);
    expect(mediaTimeOf(frags, at("09:05"))).toBe(8); // in the gap: the nearest edge
    expect(mediaTimeOf([], 1)).toBeNull();
    expect(wallTimeOf(frags, 9.5)).toBe(at("09:10") + 1500);
    expect(wallTimeOf(frags, 2)).toBe(at("09:00") + 2000);
  });
});
