/**
 * A camera's rules are resolved (defaults, file, source merged and validated) once per answer of the
 * rules source: the same answer again (the source's cache) gives the same rules without resolving, a new
 * answer (the camera was edited) is resolved and takes effect.
 */
import { createLogger } from "@mingfang/core";
import { afterAll, describe, expect, it } from "vitest";
import { parseAnalyticsConfig } from "../config.schema.js";
import { createInlineAnalyser } from "./analyser.js";
import { FrameProcessor } from "./analytics.worker.js";
import { createAnalyticsRegistry } from "./metrics.js";

const config = parseAnalyticsConfig({
  models: {},
  defaults: { checks: { no_gloves: { enabled: false }, no_hat: { enabled: false } } },
});
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe("FrameProcessor.rulesFor", () => {
  it("resolves a camera's rules once per answer of the source", async () => {
    const analyser = await createInlineAnalyser(config);
    closers.push(() => analyser.close());
    const first = { checks: { unclean_area: { cooldownS: 120 } } };
    let answer: unknown = first;
    const p = new FrameProcessor({
      config,
      analyser,
      metrics: createAnalyticsRegistry().metrics,
      logger: createLogger({ level: "silent" }),
      publish: async () => {},
      cameraRules: async () => answer,
    });
    const a = await p.rulesFor(3);
    expect(a.checks.unclean_area.cooldownS).toBe(120);
    expect(await p.rulesFor(3)).toBe(a);
    // Another camera with the same answer has rules of its own.
    expect(await p.rulesFor(4)).not.toBe(a);
    answer = { checks: { unclean_area: { cooldownS: 300 } } };
    const b = await p.rulesFor(3);
    expect(b).not.toBe(a);
    expect(b.checks.unclean_area.cooldownS).toBe(300);
    // A bad answer is refused each time it comes, never cached in place of the good rules.
    answer = { checks: { unclean_area: { cooldownS: "soon" } } };
    await expect(p.rulesFor(3)).rejects.toThrow(/camera 3/);
    await expect(p.rulesFor(3)).rejects.toThrow(/camera 3/);
  });
});
