import { describe, expect, it } from "vitest";
import type { AlertView } from "@/api/types";
import {
  ackSeconds,
  alertHistory,
  countNew,
  isOverdue,
  matchesFilter,
  mergeAlerts,
  payloadAlertId,
  rowClass,
} from "./alert-list";

const T0 = Date.parse("2026-12-07T02:00:00Z");
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function alert(id: string, over: Partial<AlertView> = {}): AlertView {
  return {
    id,
    cameraId: 1,
    cameraName: "后厨 1",
    workshopId: 10,
    workshopName: "张记面食",
    stationId: 3,
    type: "no_hat",
    area: "后厨",
    grade: 3,
    status: "new",
    confidence: 0.9,
    boxes: [],
    model: null,
    zone: null,
    capturedAt: iso(0),
    createdAt: iso(0),
    updatedAt: iso(0),
    repeatCount: 0,
    lastSeenAt: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    ackNote: null,
    escalationDueAt: iso(240),
    escalatedAt: null,
    closedBy: null,
    closedAt: null,
    closeNote: null,
    caseId: null,
    hasEvidence: false,
    evidenceUrl: null,
    frameUrl: null,
    actions: ["acknowledge", "open_case"],
    ...over,
  };
}

describe("mergeAlerts", () => {
  it("puts a live alert at the top, newest first, then by id", () => {
    const list = [alert("b", { createdAt: iso(5) }), alert("c", { createdAt: iso(1) })];
    const merged = mergeAlerts(list, [alert("a", { createdAt: iso(9) }), alert("d", { createdAt: iso(1) })]);
    expect(merged.map((a) => a.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("keeps one row per id, the newest updatedAt, whatever the arrival order", () => {
    const acked = alert("a", { status: "acknowledged", updatedAt: iso(3) });
    const stale = alert("a", { status: "new", updatedAt: iso(1) });
    expect(mergeAlerts([acked], [stale])).toEqual([acked]);
    expect(mergeAlerts([stale], [acked])).toEqual([acked]);
    expect(mergeAlerts([], [stale, acked, stale])).toEqual([acked]);
    // a tie: the incoming version replaces the one shown
    const again = alert("a", { status: "acknowledged", updatedAt: iso(3), ackNote: "x" });
    expect(mergeAlerts([acked], [again])[0]!.ackNote).toBe("x");
  });

  it("keeps a page at its size, dropping its last rows", () => {
    const list = [alert("b", { createdAt: iso(2) }), alert("c", { createdAt: iso(1) })];
    expect(mergeAlerts(list, [alert("a", { createdAt: iso(3) })], 2).map((a) => a.id)).toEqual(["a", "b"]);
  });

  it("counts only alerts not shown yet", () => {
    const list = [alert("a"), alert("b")];
    expect(countNew(list, [alert("a"), alert("c"), alert("c")])).toBe(1);
  });
});

describe("matchesFilter", () => {
  const a = alert("a", { stationId: 3, workshopId: 10, cameraId: 1, grade: 2, createdAt: iso(10) });
  it.each([
    [{}, true],
    [{ stationId: 3 }, true],
    [{ stationId: 4 }, false],
    [{ workshopId: 11 }, false],
    [{ cameraId: 1 }, true],
    [{ status: "new" as const }, true],
    [{ status: "resolved" as const }, false],
    [{ open: true }, true],
    [{ type: "smoking" }, false],
    [{ grade: 2 }, true],
    [{ grade: 1 }, false],
    [{ escalated: true }, false],
    [{ escalated: false }, true],
    [{ from: iso(10) }, true],
    [{ from: iso(11) }, false],
    [{ to: iso(10) }, false],
    [{ to: iso(11) }, true],
  ])("%j → %s", (f, ok) => {
    expect(matchesFilter(a, f)).toBe(ok);
  });
  it("open excludes closed alerts", () => {
    expect(matchesFilter(alert("x", { status: "false_positive" }), { open: true })).toBe(false);
  });
});

describe("overdue, escalated, time to acknowledge", () => {
  it("a new alert past its limit is overdue; an acknowledged one never", () => {
    const a = alert("a", { escalationDueAt: iso(15) });
    expect(isOverdue(a, T0 + 14 * 60_000)).toBe(false);
    expect(isOverdue(a, T0 + 15 * 60_000)).toBe(true);
    expect(isOverdue({ ...a, status: "acknowledged" }, T0 + 60 * 60_000)).toBe(false);
    expect(isOverdue({ ...a, escalationDueAt: null }, T0 + 60 * 60_000)).toBe(false);
  });

  it("rows: escalated beats overdue; a handled alert is plain", () => {
    const now = T0 + 30 * 60_000;
    expect(rowClass(alert("a", { escalationDueAt: iso(15) }), now)).toBe("mf-alert-overdue");
    expect(rowClass(alert("a", { escalationDueAt: iso(15), escalatedAt: iso(15) }), now)).toBe(
      "mf-alert-escalated",
    );
    expect(rowClass(alert("a", { status: "acknowledged", escalatedAt: iso(15) }), now)).toBe("");
    expect(rowClass(alert("a"), now)).toBe("");
  });

  it("time to acknowledge, the running age of a new alert, nothing for one the system closed", () => {
    expect(ackSeconds(alert("a", { status: "acknowledged", acknowledgedAt: iso(4) }))).toEqual({
      seconds: 240,
      running: false,
    });
    expect(ackSeconds(alert("a"), T0 + 90_000)).toEqual({ seconds: 90, running: true });
    expect(ackSeconds(alert("a", { status: "resolved" }))).toBeNull();
  });
});

describe("payloads and history", () => {
  it("takes the alert id of an event payload", () => {
    expect(payloadAlertId({ id: "abc" })).toBe("abc");
    expect(payloadAlertId({ id: 3 })).toBeNull();
    expect(payloadAlertId({})).toBeNull();
  });

  it("orders the life of an alert: created, repeated, escalated, acknowledged, closed", () => {
    const a = alert("a", {
      repeatCount: 2,
      lastSeenAt: iso(5),
      escalationDueAt: iso(15),
      escalatedAt: iso(15),
      acknowledgedAt: iso(20),
      ackNote: "看过",
      status: "resolved",
      closedAt: iso(30),
      closeNote: "已整改",
    });
    expect(alertHistory(a).map((h) => h.kind)).toEqual([
      "created",
      "repeated",
      "escalated",
      "acknowledged",
      "closed",
    ]);
  });

  it("shows the pending limit of a new alert", () => {
    const h = alertHistory(alert("a", { escalationDueAt: iso(15) }), T0);
    expect(h.at(-1)).toMatchObject({ kind: "due", pending: true });
  });
});
