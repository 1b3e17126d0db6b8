import { describe, expect, it } from "vitest";
import { homeOf, inMenu, mayOpen } from "./access";

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
    ["duty_officer", "dashboard", true],
    ["brigade_officer", "dashboard", true],
    ["station_staff", "activities", true],
    ["bureau_admin", "activities", true],
    ["duty_officer", "activities", false],
    ["brigade_officer", "activities", false],
    ["bureau_admin", "assessment", true],
    ["station_staff", "assessment", true],
    ["duty_officer", "assessment", true],
    ["brigade_officer", "assessment", false],
    ["bureau_admin", "bigscreen", true],
    ["station_staff", "bigscreen", true],
    ["duty_officer", "bigscreen", true],
    ["brigade_officer", "bigscreen", false],
    ["duty_officer", "recordings", true],
    ["bureau_admin", "recordings", true],
    ["brigade_officer", "recordings", false],
  ] as const)("%s may open %s: %s", (role, page, allowed) => {
    expect(mayOpen(role, page)).toBe(allowed);
  });

  it("sends nobody without a role anywhere", () => {
    expect(mayOpen(null, "cases")).toBe(false);
  });

  it("lands the bureau on the dashboard, the brigade on its cases, station roles on the live wall", () => {
    expect(homeOf("bureau_admin")).toBe("dashboard");
    expect(homeOf("brigade_officer")).toBe("cases");
    expect(homeOf("station_staff")).toBe("live");
    expect(homeOf("duty_officer")).toBe("live");
  });

  it("lands every role on a page it may open", () => {
    for (const role of ["bureau_admin", "station_staff", "duty_officer", "brigade_officer"] as const)
      expect(mayOpen(role, homeOf(role))).toBe(true);
  });

  it("lists the big screen in the bureau's menu only; station roles open it from their dashboard", () => {
    expect(inMenu("bureau_admin", "bigscreen")).toBe(true);
    expect(inMenu("station_staff", "bigscreen")).toBe(false);
    expect(inMenu("duty_officer", "bigscreen")).toBe(false);
    expect(inMenu("brigade_officer", "bigscreen")).toBe(false);
    expect(inMenu("duty_officer", "live")).toBe(true);
    expect(inMenu(null, "live")).toBe(false);
  });
});
