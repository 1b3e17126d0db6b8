import { describe, expect, it } from "vitest";
import { homeOf, mayOpen } from "./access";

describe("page access by role", () => {
  it.each([
    ["duty_officer", "live", true],
    ["duty_officer", "alerts", true],
    ["duty_officer", "cameras", false],
    ["duty_officer", "users", false],
    ["station_staff", "cameras", true],
    ["brigade_officer", "alerts", false],
    ["brigade_officer", "live", false],
    ["brigade_officer", "cases", true],
    ["brigade_officer", "workshops", true],
    ["bureau_admin", "system", true],
    ["station_staff", "system", false],
  ] as const)("%s may open %s: %s", (role, page, allowed) => {
    expect(mayOpen(role, page)).toBe(allowed);
  });

  it("sends nobody without a role anywhere", () => {
    expect(mayOpen(null, "cases")).toBe(false);
  });

  it("lands every role on a page it may open", () => {
    for (const role of ["bureau_admin", "station_staff", "duty_officer", "brigade_officer"] as const)
      expect(mayOpen(role, homeOf(role))).toBe(true);
  });
});
