import { describe, expect, it } from "vitest";
import { deepMerge, parseAnalyticsConfig, resolveCameraRules } from "./config.schema.js";

describe("analytics configuration", () => {
  it("fills every default", () => {
    const cfg = parseAnalyticsConfig({});
    expect(cfg.concurrency).toBe(1);
    expect(cfg.defaults.checks.no_gloves).toMatchObject({
      enabled: true,
      threshold: 0.6,
      persistence: { k: 2, n: 3 },
      motionGated: true,
    });
    expect(cfg.defaults.checks.unclean_area).toMatchObject({
      motionGated: false,
      intervalS: 60,
      baseline: { samples: 5 },
    });
    expect(cfg.models.person?.path).toBe("centernet/centernet.onnx");
  });
  it("deep-merges a camera's overrides into the defaults (arrays replace)", () => {
    const cfg = parseAnalyticsConfig({ defaults: { checks: { no_hat: { cooldownS: 60 } } } });
    const rules = resolveCameraRules(cfg.defaults, {
      zones: [
        {
          name: "操作台",
          points: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
        },
      ],
      checks: { no_hat: { threshold: 0.8, zones: ["操作台"] } },
    });
    expect(rules.checks.no_hat).toMatchObject({
      threshold: 0.8,
      cooldownS: 60,
      zones: ["操作台"],
      persistence: { k: 2, n: 3 },
    });
    expect(rules.checks.no_gloves.threshold).toBe(0.6);
    expect(deepMerge({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { d: 4 } })).toEqual({
      a: [3],
      b: { c: 1, d: 4 },
    });
  });
  it("names the bad key: unknown keys, bad values, unknown zones, k > n", () => {
    expect(() => parseAnalyticsConfig({ concurrrency: 2 })).toThrow(/analytics/);
    expect(() => parseAnalyticsConfig({ defaults: { checks: { no_hat: { threshold: 2 } } } })).toThrow(
      /threshold/,
    );
    expect(() =>
      parseAnalyticsConfig({ cameras: { "3": { checks: { no_hat: { zones: ["nowhere"] } } } } }),
    ).toThrow(/cameras\.3\.checks\.no_hat\.zones: no zone named 'nowhere'/);
    expect(() =>
      parseAnalyticsConfig({ defaults: { checks: { no_hat: { persistence: { k: 4, n: 3 } } } } }),
    ).toThrow(/k must be <= n/);
  });
});
