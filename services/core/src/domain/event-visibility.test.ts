import { describe, expect, it } from "vitest";
import type { Principal } from "../policy/rbac.js";
import { canSeeEvent } from "./event-visibility.js";

const admin: Principal = { id: 1, username: "admin", role: "bureau_admin", stationId: null };
const dutyA: Principal = { id: 2, username: "a", role: "duty_officer", stationId: 1 };
const staffB: Principal = { id: 3, username: "b", role: "station_staff", stationId: 2 };
const brigade: Principal = { id: 4, username: "q", role: "brigade_officer", stationId: null };

describe("event visibility", () => {
  const table: [string, number | null, Record<string, unknown>, Principal, boolean][] = [
    ["alert.created", 1, {}, admin, true],
    ["alert.created", 1, {}, dutyA, true],
    ["alert.created", 1, {}, staffB, false],
    ["alert.created", 1, {}, brigade, false],
    ["alert.updated", 2, {}, staffB, true],
    ["alert.updated", null, {}, dutyA, false],
    ["case.created", 1, {}, dutyA, true],
    ["case.created", 1, {}, staffB, false],
    ["case.updated", 1, {}, brigade, false],
    ["case.updated", 1, { assignedBrigade: true }, brigade, true],
    ["case.updated", 1, { assignedBrigade: true }, staffB, false],
    ["camera.status", 2, {}, staffB, true],
    ["camera.status", 2, {}, dutyA, false],
    ["camera.status", 2, {}, brigade, true],
    ["public_feedback.created", 1, {}, dutyA, true],
    ["public_feedback.created", 1, {}, staffB, false],
    ["public_feedback.created", 2, {}, staffB, true],
    ["public_feedback.created", 1, {}, admin, true],
    ["public_feedback.updated", 1, {}, brigade, false],
    ["something.else", 1, {}, dutyA, false],
    ["something.else", 1, {}, admin, true],
  ];
  for (const [kind, stationId, payload, who, expected] of table) {
    it(`${kind} of station ${stationId} ${JSON.stringify(payload)} → ${who.role}@${who.stationId}: ${expected}`, () => {
      expect(canSeeEvent(who, { kind, stationId, payload })).toBe(expected);
    });
  }
});
