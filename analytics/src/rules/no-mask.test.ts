// The no_mask check in the rules engine: off unless a camera asks for it; armed only with person, pose and
// the mask classifier; fires on bare faces after its persistence, idles in its cooldown; faces the pipeline
// could not judge (too small, no face points) are not in `faces` and never count as bare.
import { describe, expect, it } from "vitest";
import type { FrameObservation, Part } from "../analysis/frame.pipeline.js";
import { type CameraRules, parseAnalyticsConfig, resolveCameraRules } from "../config.schema.js";
import { type Capabilities, RulesEngine } from "./rules.engine.js";

const caps: Capabilities = {
  person: true,
  pose: true,
  glove: true,
  headcover: true,
  mask: true,
  custom: new Map(),
  broken: {},
  names: { person: "person", glove: "glove", headcover: "headcover", mask: "mask" },
};
const W = 640;
const H = 480;
const person = { x1: 100, y1: 100, x2: 220, y2: 470, score: 0.9, label: "person" };

function rules(noMask: Record<string, unknown> = { enabled: true, cooldownS: 60 }): CameraRules {
  const cfg = parseAnalyticsConfig({});
  return resolveCameraRules(cfg.defaults, {
    zones: [
      {
        name: "专间",
        points: [
          [0, 0],
          [0.5, 0],
          [0.5, 1],
          [0, 1],
        ],
      },
    ],
    checks: {
      no_gloves: { enabled: false },
      no_hat: { enabled: false },
      unclean_area: { enabled: false },
      no_mask: { zones: ["专间"], ...noMask },
    },
  });
}
function face(x: number, y: number, bare: number): Part {
  return {
    x1: x - 12,
    y1: y - 12,
    x2: x + 12,
    y2: y + 12,
    score: bare,
    violation: bare,
    person: 0,
    label: "face",
  };
}
function obs(faces: Part[] | undefined, unknownFaces = 0, peopleRan = true): FrameObservation {
  return {
    width: W,
    height: H,
    thumb: new Uint8Array(64 * 48),
    motion: true,
    peopleRan,
    persons: [person],
    hands: [],
    heads: [],
    ...(faces ? { faces, unknownFaces } : {}),
    unknownParts: 0,
    custom: {},
    ms: {},
  };
}
const at = (s: number) => new Date(Date.parse("2026-12-01T02:00:00Z") + s * 1000);

describe("no_mask in the rules engine", () => {
  it("is off by default and plans nothing for it", () => {
    const e = new RulesEngine(caps, { width: 64, height: 48 });
    const defaults = resolveCameraRules(parseAnalyticsConfig({}).defaults, {
      checks: { no_gloves: { enabled: false }, no_hat: { enabled: false }, unclean_area: { enabled: false } },
    });
    expect(defaults.checks.no_mask).toMatchObject({ enabled: false, minCropPx: 16, threshold: 0.6 });
    expect(e.plan(1, defaults, at(0))).toMatchObject({ people: "never" });
    expect(e.plan(1, defaults, at(0)).faces).toBeUndefined();
  });

  it("plans face crops in its zones with its minimum size, only with person, pose and mask models", () => {
    const e = new RulesEngine(caps, { width: 64, height: 48 });
    expect(e.plan(1, rules(), at(0))).toMatchObject({
      people: "if-motion",
      faces: true,
      minFacePx: 16,
      faceZones: [
        [
          [0, 0],
          [0.5, 0],
          [0.5, 1],
          [0, 1],
        ],
      ],
    });
    for (const missing of [{ mask: false }, { pose: false }, { person: false }]) {
      const e2 = new RulesEngine({ ...caps, ...missing }, { width: 64, height: 48 });
      expect(e2.plan(1, rules(), at(0)).faces).toBeUndefined();
      expect(e2.armed(rules(), "no_mask", at(0))).toBe(false);
    }
    const broken = new RulesEngine({ ...caps, broken: { mask: "bad outputs" } }, { width: 64, height: 48 });
    expect(broken.brokenFor(rules(), at(0))).toEqual(["no_mask: bad outputs"]);
  });

  it("fires after 2 of 3 frames with a bare face in the zone, then idles through its cooldown", () => {
    const e = new RulesEngine(caps, { width: 64, height: 48 });
    const r = rules();
    const bare = obs([face(160, 140, 0.93)]);
    expect(e.evaluate(1, r, bare, at(0))).toEqual([]);
    const v = e.evaluate(1, r, bare, at(2));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({
      type: "no_mask",
      zone: "专间",
      confidence: 0.93,
      model: "person+pose+mask",
    });
    expect(v[0]?.boxes.map((b) => b.label)).toEqual(["no_mask", "person"]);
    expect(e.plan(1, r, at(30)).faces).toBeUndefined(); // cooling: no keypoints, no classifier for it
    expect(e.plan(1, r, at(70)).faces).toBe(true);
    expect(e.evaluate(1, r, bare, at(70))).toEqual([]); // a fresh window after the cooldown
    expect(e.evaluate(1, r, bare, at(72))).toHaveLength(1);
  });

  it("ignores masked faces, bare faces outside its zones, and faces it could not judge", () => {
    const e = new RulesEngine(caps, { width: 64, height: 48 });
    const r = rules();
    for (let i = 0; i < 3; i++) expect(e.evaluate(1, r, obs([face(160, 140, 0.1)]), at(i))).toEqual([]);
    for (let i = 3; i < 6; i++) expect(e.evaluate(1, r, obs([face(500, 140, 0.95)]), at(i))).toEqual([]);
    // Every face too small (or without face points): unknown — nothing fires, however long it lasts.
    for (let i = 6; i < 12; i++) expect(e.evaluate(1, r, obs([], 3), at(i))).toEqual([]);
  });

  it("a frame of unknown faces counts as not violating; a frame not looked at is not counted", () => {
    const e = new RulesEngine(caps, { width: 64, height: 48 });
    const r = rules({ enabled: true, persistence: { k: 2, n: 2 } });
    expect(e.evaluate(1, r, obs([face(160, 140, 0.9)]), at(0))).toEqual([]);
    expect(e.evaluate(1, r, obs([], 1), at(1))).toEqual([]);
    expect(e.evaluate(1, r, obs([face(160, 140, 0.9)]), at(2))).toEqual([]);
    expect(e.evaluate(1, r, obs([face(160, 140, 0.9)]), at(3))).toHaveLength(1);
    // A frame whose person pipeline did not run is not counted at all.
    expect(e.evaluate(2, r, obs([face(160, 140, 0.9)]), at(0))).toEqual([]);
    expect(e.evaluate(2, r, obs(undefined, 0, false), at(1))).toEqual([]);
    expect(e.evaluate(2, r, obs([face(160, 140, 0.9)]), at(2))).toHaveLength(1);
  });
});
