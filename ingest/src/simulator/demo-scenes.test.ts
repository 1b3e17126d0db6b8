import { describe, expect, it } from "vitest";
import { CLIP_RECIPES, LENS_COVERED } from "./clip-recipes.js";
import {
  DEMO_BACKGROUND_SCENES,
  DEMO_MESS_SAMPLES,
  DEMO_SCENES,
  DEMO_TAMPER_INTERVAL_S,
  DEMO_TAMPER_SAMPLES,
  DEMO_UNCLEAN_INTERVAL_S,
  demoSceneFor,
} from "./demo-scenes.js";

const all = [...DEMO_SCENES, ...DEMO_BACKGROUND_SCENES];
const CHECKS = ["no_hat", "no_gloves", "no_mask", "unclean_area"];
const TAMPER = ["camera_covered", "camera_moved", "camera_defocused"];

describe("demo scenes (pure)", () => {
  it("name clips that exist, once each, with zones the API accepts", () => {
    expect(new Set(all.map((s) => s.name)).size).toBe(all.length);
    const clips = new Set(CLIP_RECIPES.map((r) => r.name));
    for (const s of all) {
      expect(clips.has(s.clip), s.name).toBe(true);
      for (const c of s.fires) expect([...CHECKS, ...TAMPER]).toContain(c);
      for (const z of s.zones) {
        expect(z.name.length).toBeGreaterThan(0);
        expect(z.name.length).toBeLessThanOrEqual(64);
        expect(z.points.length).toBeGreaterThanOrEqual(3);
        for (const p of z.points) for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
        for (const c of z.checks) expect(CHECKS).toContain(c);
      }
    }
  });

  it("make every check fire somewhere, and have compliant scenes", () => {
    for (const c of CHECKS)
      expect(
        DEMO_SCENES.some((s) => s.fires.includes(c as never)),
        c,
      ).toBe(true);
    expect(DEMO_SCENES.filter((s) => s.fires.length === 0).length).toBeGreaterThanOrEqual(2);
    expect(DEMO_BACKGROUND_SCENES.every((s) => s.fires.length === 0)).toBe(true);
  });

  it("start the mess clean, long enough to learn the baseline before the mess appears", () => {
    const mess = DEMO_SCENES.find((s) => s.fires.includes("unclean_area"));
    expect(mess?.startSecond).toBe(0);
    const recipe = CLIP_RECIPES.find((r) => r.name === mess?.clip);
    if (recipe?.source.kind !== "rendered") throw new Error("the mess scene is a rendered clip");
    const firstMess = Math.min(...recipe.source.layers.map((l) => l.from ?? 0));
    // Its samples, one per interval, with room for a loaded worker that analyses each camera 3× less often.
    expect(firstMess).toBeGreaterThanOrEqual(DEMO_MESS_SAMPLES * DEMO_UNCLEAN_INTERVAL_S * 3);
    expect(firstMess).toBeLessThan(recipe.source.duration);
  });

  it("cover the tampered workshop's lens only after its reference is learned, long enough to fire", () => {
    const scene = DEMO_SCENES.find((s) => s.fires.includes("camera_covered"));
    expect(scene?.startSecond).toBe(0);
    const covered = LENS_COVERED.from;
    // The reference's looks, with room for a worker 3× slower; then 2 of 3 looks covered, 3× slower too.
    expect(covered).toBeGreaterThanOrEqual(DEMO_TAMPER_SAMPLES * DEMO_TAMPER_INTERVAL_S * 3);
    expect(LENS_COVERED.to - covered).toBeGreaterThanOrEqual(3 * DEMO_TAMPER_INTERVAL_S * 2);
  });

  it("give the scenes to the first cameras, then the quiet compliant workshops in turn", () => {
    const n = DEMO_SCENES.length;
    expect(DEMO_SCENES.map((_, i) => demoSceneFor(i).name)).toEqual(DEMO_SCENES.map((s) => s.name));
    expect([n, n + 1, n + 2, n + 3].map((i) => demoSceneFor(i).name)).toEqual([
      "workshop-clean-quiet",
      "workshop-after-hours-quiet",
      "workshop-clean-quiet",
      "workshop-after-hours-quiet",
    ]);
    expect(() => demoSceneFor(-1)).toThrow(RangeError);
  });
});
