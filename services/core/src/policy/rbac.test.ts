import { describe, expect, it } from "vitest";
import type { Role } from "../domain/vocabulary.js";
import { ACTIONS, type Action, authorize, type Decision, listScope, type Principal } from "./rbac.js";

const OWN = 1;
const OTHER = 2;
const users: Record<Role, Principal> = {
  bureau_admin: { id: 1, username: "admin", role: "bureau_admin", stationId: null },
  station_staff: { id: 2, username: "mingshui.staff", role: "station_staff", stationId: OWN },
  duty_officer: { id: 3, username: "mingshui.duty", role: "duty_officer", stationId: OWN },
  brigade_officer: { id: 4, username: "brigade", role: "brigade_officer", stationId: null },
};

// Expected decisions, written out by hand: [own station, other station] per role.
// A = allow, F = forbidden (403), N = not found (404: the other station's resource stays invisible).
const M: Record<Action, Record<Role, string>> = {
  "station.read": { bureau_admin: "AA", station_staff: "AA", duty_officer: "AA", brigade_officer: "AA" },
  "workshop.read": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "AA" },
  "workshop.create": { bureau_admin: "AA", station_staff: "AN", duty_officer: "FF", brigade_officer: "FF" },
  "workshop.update": { bureau_admin: "AA", station_staff: "AN", duty_officer: "FF", brigade_officer: "FF" },
  "workshop.delete": { bureau_admin: "AA", station_staff: "FF", duty_officer: "FF", brigade_officer: "FF" },
  "camera.read": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "AA" },
  "camera.create": { bureau_admin: "AA", station_staff: "AN", duty_officer: "FF", brigade_officer: "FF" },
  "camera.update": { bureau_admin: "AA", station_staff: "AN", duty_officer: "FF", brigade_officer: "FF" },
  "camera.delete": { bureau_admin: "AA", station_staff: "FF", duty_officer: "FF", brigade_officer: "FF" },
  "camera.live": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "FF" },
  "alert.read": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "FF" },
  "alert.acknowledge": { bureau_admin: "AA", station_staff: "FF", duty_officer: "AN", brigade_officer: "FF" },
  "case.read": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "NN" },
  "case.create": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "FF" },
  "case.update": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "NN" },
  "user.manage": { bureau_admin: "AA", station_staff: "FF", duty_officer: "FF", brigade_officer: "FF" },
  "audit.read": { bureau_admin: "AA", station_staff: "FF", duty_officer: "FF", brigade_officer: "FF" },
  "system.read": { bureau_admin: "AA", station_staff: "FF", duty_officer: "FF", brigade_officer: "FF" },
  "plan.update": { bureau_admin: "AA", station_staff: "AN", duty_officer: "FF", brigade_officer: "FF" },
  "dashboard.read": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "AA" },
  "public_feedback.read": {
    bureau_admin: "AA",
    station_staff: "AN",
    duty_officer: "AN",
    brigade_officer: "FF",
  },
  "public_feedback.handle": {
    bureau_admin: "AA",
    station_staff: "AN",
    duty_officer: "AN",
    brigade_officer: "FF",
  },
  "recording.view": { bureau_admin: "AA", station_staff: "AN", duty_officer: "AN", brigade_officer: "FF" },
  "recording.download": {
    bureau_admin: "AA",
    station_staff: "AN",
    duty_officer: "AN",
    brigade_officer: "FF",
  },
};
const decode = (c: string | undefined): Decision =>
  c === "A" ? "allow" : c === "F" ? "forbidden" : "not_found";

describe("RBAC policy: every role × action × own/other station", () => {
  it("has an expectation for every action", () => {
    expect(Object.keys(M).sort()).toEqual([...ACTIONS].sort());
  });

  const rows = ACTIONS.flatMap((action) =>
    (Object.keys(users) as Role[]).flatMap((role) => [
      { action, role, where: "own", stationId: OWN, expected: decode(M[action][role][0]) },
      { action, role, where: "other", stationId: OTHER, expected: decode(M[action][role][1]) },
    ]),
  );

  it.each(rows)("$role $action on $where station → $expected", ({ action, role, stationId, expected }) => {
    expect(authorize(users[role], action, { stationId, assignedBrigade: false })).toBe(expected);
  });

  it("lets the brigade read and update cases assigned to it, in any station", () => {
    const b = users.brigade_officer;
    expect(authorize(b, "case.read", { stationId: OTHER, assignedBrigade: true })).toBe("allow");
    expect(authorize(b, "case.update", { stationId: OWN, assignedBrigade: true })).toBe("allow");
    expect(authorize(b, "case.create", { stationId: OWN, assignedBrigade: true })).toBe("forbidden");
  });

  it("a station user without a station sees nothing of any station", () => {
    const orphan: Principal = { id: 9, username: "x", role: "station_staff", stationId: null };
    expect(authorize(orphan, "workshop.read", { stationId: OWN })).toBe("not_found");
    expect(listScope(orphan, "workshop.read")).toEqual({ kind: "none" });
  });

  it("turns roles into list filters", () => {
    expect(listScope(users.bureau_admin, "workshop.read")).toEqual({ kind: "all" });
    expect(listScope(users.station_staff, "camera.read")).toEqual({ kind: "stations", ids: [OWN] });
    expect(listScope(users.brigade_officer, "case.read")).toEqual({ kind: "brigade" });
    expect(listScope(users.brigade_officer, "alert.read")).toEqual({ kind: "none" });
  });
});
