import { parseAnalyticsConfig, resolveCameraRules, rulesFromCameraRow } from "@mingfang/analytics";
import { DEMO_BACKGROUND_SCENES, DEMO_SCENES } from "@mingfang/ingest";
import { describe, expect, it } from "vitest";
import { demoOwnsZones, simulatedFromUrl } from "./demo-cameras.js";

describe("demo cameras", () => {
  it("every scene's row gives valid analytics rules, with the zones on the checks they name", () => {
    const defaults = parseAnalyticsConfig({}).defaults;
    for (const s of [...DEMO_SCENES, ...DEMO_BACKGROUND_SCENES]) {
      const rules = resolveCameraRules(
        defaults,
        rulesFromCameraRow({
          zones: s.zones,
          schedule: s.schedule,
          analytics: s.analytics,
          workingHours: { start: "06:00", end: "18:00" },
        }),
        s.name,
      );
      // Armed round the clock, not in the workshop's hours: the demo shows its scenes at any time.
      expect(rules.schedule).toEqual(s.schedule);
      for (const c of ["no_hat", "no_gloves", "unclean_area"] as const) {
        const named = s.zones.filter((z) => z.checks.includes(c)).map((z) => z.name);
        expect(rules.checks[c].zones, `${s.name} ${c}`).toEqual(named);
        // Enabled unless the scene turns it off (the covered workshop: a covered lens is no dirty floor).
        const off =
          (s.analytics?.checks as Record<string, { enabled?: boolean }> | undefined)?.[c]?.enabled === false;
        expect(rules.checks[c].enabled).toBe(!off);
      }
    }
    const mess = DEMO_SCENES.find((s) => s.name === "workshop-mess");
    const rules = resolveCameraRules(
      defaults,
      rulesFromCameraRow({ zones: mess?.zones, analytics: mess?.analytics }),
    );
    expect(rules.checks.unclean_area.intervalS).toBe(4);
    expect(rules.checks.unclean_area.baseline.samples).toBe(3);
    const quiet = resolveCameraRules(
      defaults,
      rulesFromCameraRow({ analytics: DEMO_BACKGROUND_SCENES[0]?.analytics }),
    );
    expect(quiet.checks.unclean_area.intervalS).toBe(defaults.checks.unclean_area.intervalS);
  });

  it("redraws only zones it drew itself (none, or a scene's), never zones drawn by hand", () => {
    expect(demoOwnsZones([])).toBe(true);
    expect(demoOwnsZones(null)).toBe(true);
    const drawn = DEMO_SCENES.find((s) => s.zones.length)?.zones;
    expect(demoOwnsZones(drawn)).toBe(true);
    expect(demoOwnsZones(JSON.stringify(drawn))).toBe(true); // a driver that returns JSON as text
    expect(
      demoOwnsZones([
        {
          name: "切配台",
          checks: ["no_gloves"],
          points: [
            [0.1, 0.1],
            [0.5, 0.1],
            [0.5, 0.5],
          ],
        },
      ]),
    ).toBe(false);
  });

  it("reads a seeded camera URL as the simulator's camera", () => {
    expect(simulatedFromUrl("rtsp://admin:p%40ss@127.0.0.1:8554/mingshui-01-1/main", "x")).toEqual({
      key: "mingshui-01-1",
      username: "admin",
      password: "p@ss",
      name: "x",
    });
  });
});
