/** The pure steps of opening and moving a case (no database). */
import type { CaseTransitionBody, Principal } from "@mingfang/core";
import { describe, expect, it } from "vitest";
import { HttpError } from "../errors.js";
import type { CaseAlertRow } from "./case.repository.js";
import {
  caseTitle,
  decisionError,
  dispatchDeadline,
  newCaseRow,
  type OpenedCase,
  placeFromAlerts,
  transitionChanges,
} from "./case.rules.js";

const duty: Principal = { id: 4, username: "duty", role: "duty_officer", stationId: 1 };

function alert(over: Partial<CaseAlertRow> = {}): CaseAlertRow {
  return { id: "a1", station_id: 1, workshop_id: 10, status: "new", type: "no_hat", grade: 1, ...over };
}

/** The HttpError `fn` throws, as status, code and field. */
function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    const e = err as HttpError;
    return { status: e.statusCode, code: e.code, field: e.field };
  }
  throw new Error("did not throw");
}

describe("placeFromAlerts", () => {
  it("takes the station of the alerts, and their workshop when they share one", () => {
    expect(placeFromAlerts(duty, ["a1"], [alert()], {})).toEqual({ stationId: 1, workshopId: 10 });
    const two = [alert(), alert({ id: "a2", workshop_id: 11 })];
    expect(placeFromAlerts(duty, ["a1", "a2"], two, {})).toEqual({ stationId: 1, workshopId: null });
    expect(placeFromAlerts(duty, ["a1", "a2"], two, { workshopId: 11 })).toEqual({
      stationId: 1,
      workshopId: 11,
    });
  });

  it("answers a missing alert and another station's alike, and refuses mixed, mismatched or closed ones", () => {
    expect(refusal(() => placeFromAlerts(duty, ["a1", "zz"], [alert()], {}))).toMatchObject({ status: 404 });
    expect(refusal(() => placeFromAlerts(duty, ["a1"], [alert({ station_id: 2 })], {}))).toMatchObject({
      status: 404,
    });
    const admin: Principal = { id: 1, username: "admin", role: "bureau_admin", stationId: null };
    const mixed = [alert(), alert({ id: "a2", station_id: 2 })];
    expect(refusal(() => placeFromAlerts(admin, ["a1", "a2"], mixed, {}))).toEqual({
      status: 400,
      code: "validation_failed",
      field: "alertIds",
    });
    expect(refusal(() => placeFromAlerts(duty, ["a1"], [alert()], { stationId: 2 }))).toMatchObject({
      field: "stationId",
    });
    expect(refusal(() => placeFromAlerts(duty, ["a1"], [alert()], { workshopId: 99 }))).toMatchObject({
      field: "workshopId",
    });
    expect(refusal(() => placeFromAlerts(duty, ["a1"], [alert({ status: "resolved" })], {}))).toEqual({
      status: 409,
      code: "conflict",
      field: "alertIds",
    });
  });
});

describe("caseTitle", () => {
  it("keeps the title given, or names the violations of the alerts once each", () => {
    expect(caseTitle("手写", [])).toBe("手写");
    expect(caseTitle(undefined, [{ type: "no_hat" }, { type: "smoking" }, { type: "no_hat" }])).toBe(
      "视频预警：未戴工作帽、吸烟",
    );
    expect(refusal(() => caseTitle(undefined, []))).toMatchObject({ status: 400, field: "title" });
  });
});

describe("dispatchDeadline", () => {
  const now = new Date("2026-12-07T00:00:00.000Z");
  it("is the deadline given, or the configured hours from now; never in the past", () => {
    expect(dispatchDeadline("2026-12-08T00:00:00.000Z", now, 4).toISOString()).toBe(
      "2026-12-08T00:00:00.000Z",
    );
    expect(dispatchDeadline(undefined, now, 4).toISOString()).toBe("2026-12-07T04:00:00.000Z");
    expect(refusal(() => dispatchDeadline(now.toISOString(), now, 4))).toMatchObject({
      field: "dispatchDueAt",
    });
  });
});

describe("newCaseRow", () => {
  const now = new Date("2026-12-07T00:00:00.000Z");
  const c: OpenedCase = {
    id: "c1",
    code: "2026-ms-0001",
    title: "t",
    stationId: 1,
    workshopId: null,
    alertIds: [],
    assignedBrigade: false,
    dispatchDue: new Date("2026-12-07T04:00:00.000Z"),
  };
  it("is an open case whose deadline is the dispatch; from alerts or by hand; handed to the brigade or not", () => {
    expect(newCaseRow(c, null, 4, now)).toMatchObject({
      state: "open",
      source: "manual",
      assigned_brigade: false,
      brigade_assigned_at: null,
      deadline: c.dispatchDue,
      dispatch_due_at: c.dispatchDue,
      opened_by: 4,
    });
    expect(newCaseRow({ ...c, alertIds: ["a1"], assignedBrigade: true }, "d", 4, now)).toMatchObject({
      source: "alert",
      assigned_brigade: true,
      brigade_assigned_at: now,
      description: "d",
    });
  });
});

describe("decisionError", () => {
  it("maps the state machine's refusals to 403, 409 and 400 with the field", () => {
    expect(decisionError({ ok: false, code: "forbidden", message: "no" }).statusCode).toBe(403);
    expect(decisionError({ ok: false, code: "invalid_transition", message: "no" }).code).toBe(
      "invalid_transition",
    );
    const e = decisionError({ ok: false, code: "validation_failed", field: "note", message: "needed" });
    expect([e.statusCode, e.field, e.message]).toEqual([400, "note", "body: needed"]);
  });
});

describe("transitionChanges", () => {
  const now = new Date("2026-12-07T00:00:00.000Z");
  const ctx = { now, photos: 2, onSiteHours: 2 };
  const t = (body: Partial<CaseTransitionBody>, c = { dispatched_at: null as Date | null }) =>
    transitionChanges(body as CaseTransitionBody, c, ctx);

  it("sets each transition's times and next deadline, and keeps them on the timeline", () => {
    const onSite = new Date("2026-12-07T02:00:00.000Z");
    expect(t({ transition: "dispatch" })).toEqual({
      set: { dispatched_at: now, on_site_due_at: onSite, deadline: onSite },
      data: { onSiteDueAt: onSite },
    });
    expect(t({ transition: "check_in" })).toEqual({
      set: { on_site_at: now, deadline: null },
      data: { checkedInAt: now },
    });
    const due = "2026-12-09T00:00:00.000Z";
    expect(t({ transition: "order_rectification", rectificationDueAt: due }).set).toEqual({
      rectification_due_at: new Date(due),
      rectification_ordered_at: now,
      rectified_at: null,
      deadline: new Date(due),
    });
    expect(t({ transition: "submit_rectification" })).toEqual({
      set: { rectified_at: now, deadline: null },
      data: { photos: 2 },
    });
    expect(t({ transition: "review" })).toEqual({ set: { reviewed_at: now }, data: {} });
    expect(t({ transition: "close", outcome: "rectified" } as never)).toEqual({
      set: { outcome: "rectified", closed_at: now, deadline: null },
      data: { outcome: "rectified" },
    });
  });

  it("refuses an on-site deadline in the past and a check-in in the future or before the dispatch", () => {
    expect(
      refusal(() => t({ transition: "dispatch", onSiteDueAt: "2026-12-06T00:00:00.000Z" })),
    ).toMatchObject({
      field: "onSiteDueAt",
    });
    expect(
      refusal(() => t({ transition: "check_in", checkedInAt: "2026-12-07T00:05:00.000Z" })),
    ).toMatchObject({
      field: "checkedInAt",
    });
    const dispatched = { dispatched_at: new Date("2026-12-06T23:00:00.000Z") };
    expect(
      refusal(() => t({ transition: "check_in", checkedInAt: "2026-12-06T22:00:00.000Z" }, dispatched)),
    ).toMatchObject({ field: "checkedInAt" });
    expect(t({ transition: "check_in", checkedInAt: "2026-12-07T00:00:30.000Z" }, dispatched).data).toEqual({
      checkedInAt: new Date("2026-12-07T00:00:30.000Z"),
    });
  });
});
