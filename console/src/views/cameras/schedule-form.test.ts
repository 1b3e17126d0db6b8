import { describe, expect, it } from "vitest";
import {
  applyToAll,
  crossesMidnight,
  defaultRows,
  rowsFromSchedule,
  scheduleFromRows,
} from "./schedule-form";

describe("working hours table", () => {
  it("round-trips a schedule", () => {
    const s = { days: [1, 3, 5], hours: [{ from: "07:30", to: "19:00" }] };
    expect(scheduleFromRows(rowsFromSchedule(s))).toEqual(s);
  });
  it("defaults to weekdays 08:00–18:00", () => {
    expect(scheduleFromRows(rowsFromSchedule(null))).toEqual({
      days: [1, 2, 3, 4, 5],
      hours: [{ from: "08:00", to: "18:00" }],
    });
  });
  it("round the clock", () => {
    const s = { days: [1, 2, 3, 4, 5, 6, 7], hours: [{ from: "00:00", to: "24:00" }] };
    expect(scheduleFromRows(rowsFromSchedule(s))).toEqual(s);
  });
  it("refuses no day, bad or empty times and days with other hours", () => {
    expect(scheduleFromRows(defaultRows().map((r) => ({ ...r, on: false })))).toEqual({ problem: "no_days" });
    const rows = defaultRows();
    rows[1] = { ...rows[1]!, from: "25:00" };
    expect(scheduleFromRows(rows)).toEqual({ problem: "bad_time", day: 2 });
    rows[1] = { ...rows[1]!, from: "09:00", to: "09:00" };
    expect(scheduleFromRows(rows)).toEqual({ problem: "empty_range", day: 2 });
    rows[1] = { ...rows[1]!, from: "09:00", to: "17:00" };
    expect(scheduleFromRows(rows)).toEqual({ problem: "differ", days: [2] });
    expect(scheduleFromRows(applyToAll(rows, "09:00", "17:00"))).toEqual({
      days: [1, 2, 3, 4, 5],
      hours: [{ from: "09:00", to: "17:00" }],
    });
  });
  it("an off day's hours do not matter", () => {
    const rows = defaultRows();
    rows[6] = { ...rows[6]!, on: false, from: "01:00", to: "02:00" };
    expect(scheduleFromRows(rows)).toMatchObject({ days: [1, 2, 3, 4, 5] });
  });
  it("knows a night shift", () => {
    expect(crossesMidnight({ day: 1, on: true, from: "22:00", to: "06:00" })).toBe(true);
    expect(crossesMidnight({ day: 1, on: true, from: "08:00", to: "24:00" })).toBe(false);
  });
});
