import { describe, expect, it } from "vitest";
import { ackLimitMs, DEFAULT_GRADE_POLICY, gradeAlert } from "./alert-grade.js";
import {
  ALERT_ACTIONS,
  ALERT_STATES,
  type AlertAction,
  type AlertState,
  alertActionPermission,
  availableAlertActions,
  transitionAlert,
} from "./alert-lifecycle.js";
import { cameraOfflineDue, isWorkingTime, workingMsBetween } from "./working-hours.js";

describe("alert lifecycle", () => {
  // Every (state, action) pair for a user with a note: the expected next state, or null when refused.
  const table: Record<AlertState, Record<AlertAction, AlertState | null>> = {
    new: {
      acknowledge: "acknowledged",
      mark_false_positive: null,
      resolve: null,
      open_case: "case_opened",
      auto_resolve: null, // system only
    },
    acknowledged: {
      acknowledge: null,
      mark_false_positive: "false_positive",
      resolve: "resolved",
      open_case: "case_opened",
      auto_resolve: null,
    },
    false_positive: {
      acknowledge: null,
      mark_false_positive: null,
      resolve: null,
      open_case: null,
      auto_resolve: null,
    },
    case_opened: {
      acknowledge: null,
      mark_false_positive: null,
      resolve: null,
      open_case: null,
      auto_resolve: null,
    },
    resolved: {
      acknowledge: null,
      mark_false_positive: null,
      resolve: null,
      open_case: null,
      auto_resolve: null,
    },
  };
  for (const from of ALERT_STATES) {
    for (const action of ALERT_ACTIONS) {
      it(`${from} --${action}--> ${table[from][action] ?? "refused"}`, () => {
        const r = transitionAlert(from, action, { actor: "user", note: "checked on video" });
        const expected = table[from][action];
        if (expected === null) expect(r.ok).toBe(false);
        else expect(r).toMatchObject({ ok: true, to: expected });
      });
    }
  }

  it("acknowledging needs a note", () => {
    expect(transitionAlert("new", "acknowledge", { actor: "user", note: "  " })).toEqual({
      ok: false,
      reason: "note_required",
    });
    expect(transitionAlert("new", "acknowledge", { actor: "user" })).toMatchObject({ ok: false });
  });

  it("auto_resolve is for the system only, from an open alert", () => {
    expect(transitionAlert("new", "auto_resolve", { actor: "user" })).toEqual({
      ok: false,
      reason: "system_only",
    });
    expect(transitionAlert("new", "auto_resolve", { actor: "system" })).toEqual({
      ok: true,
      to: "resolved",
      acknowledges: false,
    });
    expect(transitionAlert("resolved", "auto_resolve", { actor: "system" })).toMatchObject({ ok: false });
  });

  it("opening a case from a new alert counts as its acknowledgement", () => {
    expect(transitionAlert("new", "open_case", { actor: "user" })).toEqual({
      ok: true,
      to: "case_opened",
      acknowledges: true,
    });
    expect(transitionAlert("acknowledged", "open_case", { actor: "user" })).toMatchObject({
      acknowledges: false,
    });
  });

  it("lists the buttons a console may show", () => {
    expect(availableAlertActions("new")).toEqual(["acknowledge", "open_case"]);
    expect(availableAlertActions("acknowledged")).toEqual(["mark_false_positive", "resolve", "open_case"]);
    expect(availableAlertActions("resolved")).toEqual([]);
  });

  it("names the permission each user action needs: a case is case.create, the rest alert.acknowledge", () => {
    expect(alertActionPermission("open_case")).toBe("case.create");
    for (const a of ["acknowledge", "mark_false_positive", "resolve"] as const)
      expect(alertActionPermission(a)).toBe("alert.acknowledge");
  });
});

describe("alert grades", () => {
  const cases: [string, string, number, number][] = [
    // type, area, earlier same-type alerts, expected grade
    ["rodent", "原料库", 0, 1],
    ["no_hat", "门口", 0, 3],
    ["no_hat", "加工车间", 0, 2],
    ["no_hat", "加工车间", 3, 1],
    ["no_hat", "门口", 2, 3],
    ["no_hat", "门口", 3, 2],
    ["unclean_area", "冷库", 0, 1],
    ["phone_use", "冷库", 0, 2],
    ["phone_use", "加工车间", 0, 3], // the processing-room rule does not cover phones
    ["rodent", "冷库", 9, 1], // never above level 1
    ["something_new", "门口", 0, 3],
    ["camera_offline", "加工车间", 0, 2],
  ];
  for (const [type, area, recent, grade] of cases) {
    it(`${type} in ${area} with ${recent} earlier → level ${grade}`, () => {
      expect(gradeAlert({ type, area, recentSameType: recent })).toBe(grade);
    });
  }

  it("is configuration: another policy gives other grades and limits", () => {
    const policy = {
      ...DEFAULT_GRADE_POLICY,
      baseGrade: { no_hat: 1 as const },
      ackLimitMinutes: { 1: 1, 2: 2, 3: 3 },
    };
    expect(gradeAlert({ type: "no_hat", area: "门口", recentSameType: 0 }, policy)).toBe(1);
    expect(ackLimitMs(1, policy)).toBe(60_000);
    expect(ackLimitMs(3)).toBe(240 * 60_000);
  });
});

describe("working hours and camera offline", () => {
  // 2026-12-01 is a Tuesday. 08:00 CST = 00:00 UTC.
  const cst = (iso: string) => new Date(`${iso}+08:00`);
  const day = { start: "08:00", end: "18:00" };

  it("counts only working time", () => {
    expect(workingMsBetween(day, cst("2026-12-01T07:00:00"), cst("2026-12-01T09:00:00"))).toBe(3600_000);
    expect(workingMsBetween(day, cst("2026-12-01T17:00:00"), cst("2026-12-02T09:00:00"))).toBe(2 * 3600_000);
    expect(workingMsBetween(null, cst("2026-12-01T00:00:00"), cst("2026-12-01T01:00:00"))).toBe(3600_000);
  });

  it("handles overnight shifts and weekdays", () => {
    const night = { start: "22:00", end: "06:00" };
    expect(isWorkingTime(night, cst("2026-12-01T23:00:00"))).toBe(true);
    expect(isWorkingTime(night, cst("2026-12-02T05:00:00"))).toBe(true);
    expect(isWorkingTime(night, cst("2026-12-02T12:00:00"))).toBe(false);
    const weekdays = { start: "08:00", end: "18:00", days: [1, 2, 3, 4, 5] };
    expect(isWorkingTime(weekdays, cst("2026-12-01T10:00:00"))).toBe(true); // Tuesday
    expect(isWorkingTime(weekdays, cst("2026-12-05T10:00:00"))).toBe(false); // Saturday
    expect(isWorkingTime({ ...weekdays, days: [6, 0] }, cst("2026-12-06T10:00:00"))).toBe(true); // Sunday as 0
  });

  it("raises camera_offline only after N working minutes, during working hours", () => {
    const since = cst("2026-12-01T07:50:00");
    const off = { status: "offline" as const, since };
    expect(cameraOfflineDue(off, day, cst("2026-12-01T08:09:00"), 10)).toBe(false); // 9 working minutes
    expect(cameraOfflineDue(off, day, cst("2026-12-01T08:10:00"), 10)).toBe(true);
    expect(cameraOfflineDue(off, day, cst("2026-12-01T19:00:00"), 10)).toBe(false); // after hours
    expect(cameraOfflineDue({ status: "stalled", since }, day, cst("2026-12-01T09:00:00"), 10)).toBe(true);
    expect(cameraOfflineDue({ status: "online", since }, day, cst("2026-12-01T09:00:00"), 10)).toBe(false);
    expect(cameraOfflineDue({ status: "disabled", since }, day, cst("2026-12-01T09:00:00"), 10)).toBe(false);
  });
});
