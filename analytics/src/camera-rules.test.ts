import { describe, expect, it } from "vitest";
import { rulesFromCameraRow } from "./camera-rules.js";
import { parseAnalyticsConfig, resolveCameraRules } from "./config.schema.js";

const square = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
];

describe("camera rules from a cameras row", () => {
  it("maps the API's zones (with the checks they are for), the schedule and overrides", () => {
    const o = rulesFromCameraRow({
      zones: [
        { name: "操作台", checks: ["no_gloves", "no_hat"], points: square },
        { name: "地面", checks: ["unclean_area"], points: square },
        { name: "bad", points: [[0, 0]] },
      ],
      workingHours: { start: "07:30", end: "19:00", days: [1, 2, 3, 4, 5, 6] },
      analytics: { checks: { no_hat: { threshold: 0.7 } }, maxPersons: 4 },
    });
    const rules = resolveCameraRules(parseAnalyticsConfig({}).defaults, o);
    expect(rules.zones.map((z) => z.name)).toEqual(["操作台", "地面"]);
    expect(rules.checks.no_gloves.zones).toEqual(["操作台"]);
    expect(rules.checks.no_hat).toMatchObject({ zones: ["操作台"], threshold: 0.7 });
    expect(rules.checks.unclean_area.zones).toEqual(["地面"]);
    expect(rules.schedule).toEqual({ days: [1, 2, 3, 4, 5, 6], hours: [{ from: "07:30", to: "19:00" }] });
    expect(rules.maxPersons).toBe(4);
  });
  it("prefers the camera's own schedule and tolerates an empty row", () => {
    const schedule = { days: [1], hours: [{ from: "08:00", to: "12:00" }] };
    expect(rulesFromCameraRow({ schedule, workingHours: { start: "07:00", end: "20:00" } }).schedule).toEqual(
      schedule,
    );
    expect(rulesFromCameraRow({})).toEqual({});
  });
});
