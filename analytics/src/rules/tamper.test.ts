import { describe, expect, it } from "vitest";
import type { FrameObservation } from "../analysis/frame.pipeline.js";
import { parseAnalyticsConfig, resolveCameraRules } from "../config.schema.js";
import { decodeTamper, encodeTamper } from "../worker/tamper.store.js";
import { RulesEngine } from "./rules.engine.js";
import { buildReference, DEFAULT_TAMPER, frameFeatures, judgeTamper, learnable } from "./tamper.js";
import { TamperTracker } from "./tamper.state.js";

const W = 320;
const H = 240;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A structured scene (rectangles of many greys on a gradient), `W`+margin wide so it can be shifted. */
function world(): { data: Float32Array; w: number; h: number } {
  const w = W + 120;
  const h = H + 80;
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = 60 + (x / w) * 60 + (y / h) * 20;
  const r = rng(7);
  for (let k = 0; k < 60; k++) {
    const x0 = Math.floor(r() * w);
    const y0 = Math.floor(r() * h);
    const bw = 6 + Math.floor(r() * 40);
    const bh = 6 + Math.floor(r() * 30);
    const g = 20 + r() * 180;
    for (let y = y0; y < Math.min(h, y0 + bh); y++)
      for (let x = x0; x < Math.min(w, x0 + bw); x++) data[y * w + x] = g;
  }
  return { data, w, h };
}

const WORLD = world();

/** The camera's view: a window of the world at (dx, dy), light gain·v + offset, optional box blur, noise. */
function view(
  o: { dx?: number; dy?: number; gain?: number; offset?: number; blur?: number; seed?: number } = {},
) {
  const dx = 40 + (o.dx ?? 0);
  const dy = 30 + (o.dy ?? 0);
  let img = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) img[y * W + x] = WORLD.data[(y + dy) * WORLD.w + x + dx] as number;
  for (let pass = 0; pass < (o.blur ?? 0); pass++) {
    const out = new Float32Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let s = 0;
        let n = 0;
        for (let yy = Math.max(0, y - 2); yy <= Math.min(H - 1, y + 2); yy++)
          for (let xx = Math.max(0, x - 2); xx <= Math.min(W - 1, x + 2); xx++) {
            s += img[yy * W + xx] as number;
            n++;
          }
        out[y * W + x] = s / n;
      }
    img = out;
  }
  const r = rng(o.seed ?? 1);
  const u8 = new Uint8Array(W * H);
  for (let i = 0; i < u8.length; i++)
    u8[i] = Math.max(
      0,
      Math.min(255, Math.round((img[i] as number) * (o.gain ?? 1) + (o.offset ?? 0) + (r() - 0.5) * 6)),
    );
  return u8;
}

function uniform(level: number, seed = 3): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: W * H }, () => Math.round(level + (r() - 0.5) * 3));
}

const reference = () =>
  buildReference(
    [1, 2, 3, 4, 5].map((seed) => {
      const f = frameFeatures(view({ seed, gain: 0.9 + seed * 0.04 }), W, H);
      return { image: f.small, sharpness: f.sharpness };
    }),
    W / 2,
    H / 2,
  );

describe("tamper verdicts", () => {
  const ref = reference();
  const judge = (img: Uint8Array) => judgeTamper(ref, frameFeatures(img, W, H), DEFAULT_TAMPER);

  it("light alone (gain ×0.6 … ×1.5, offsets) raises nothing", () => {
    for (const [gain, offset] of [
      [0.6, 0],
      [1.5, 0],
      [1, 30],
      [0.8, -10],
      [1.3, 20],
    ] as const)
      expect(judge(view({ gain, offset, seed: 9 })).kind, `gain ${gain} offset ${offset}`).toBeNull();
  });

  it("a shake of a pixel or two is not a move", () => {
    expect(judge(view({ dx: 2, dy: -1, seed: 9 })).kind).toBeNull();
  });

  it("covered: a uniform frame, a dark frame, a frame mostly covered", () => {
    expect(judge(uniform(70)).kind).toBe("camera_covered");
    expect(judge(uniform(5)).kind).toBe("camera_covered");
    const partly = view({ seed: 9 });
    for (let y = 0; y < H; y++) for (let x = 0; x < W * 0.9; x++) partly[y * W + Math.floor(x)] = 40;
    expect(judge(partly).kind).toBe("camera_covered");
  });

  it("moved: the view turned by a fifth of the frame, under other light too", () => {
    expect(judge(view({ dx: 64, dy: 10, seed: 9 })).kind).toBe("camera_moved");
    expect(judge(view({ dx: -40, dy: 30, gain: 1.3, seed: 9 })).kind).toBe("camera_moved");
  });

  it("defocused: blurred, structure in place", () => {
    const v = judge(view({ blur: 2, seed: 9 }));
    expect(v.kind).toBe("camera_defocused");
    expect(v.measure.alignment).toBeGreaterThan(DEFAULT_TAMPER.minAlignment);
  });

  it("never learns a uniform or dark frame", () => {
    expect(learnable(frameFeatures(uniform(120), W, H))).toBe(false);
    expect(learnable(frameFeatures(view({ gain: 0.05 }), W, H))).toBe(false);
    expect(learnable(frameFeatures(view(), W, H))).toBe(true);
  });
});

describe("tamper tracker", () => {
  const settings = { ...DEFAULT_TAMPER, width: W, height: H, refreshS: 600, epoch: 0 };

  it("learns from clean frames only, judges after, a new epoch starts afresh, and survives a store", () => {
    const t = new TamperTracker();
    expect(t.look(1, settings, uniform(60), 0)).toBeUndefined(); // covered from the start: not learned
    for (let i = 1; i <= 5; i++) expect(t.look(1, settings, view({ seed: i }), i * 1000)).toBeUndefined();
    expect(t.look(1, settings, uniform(60), 6000)?.verdict.kind).toBe("camera_covered");
    const snap = t.takeChanges(1);
    expect(snap?.samples).toHaveLength(5);
    const back = decodeTamper(encodeTamper(snap as NonNullable<typeof snap>));
    expect(back).toEqual(snap);
    const t2 = new TamperTracker();
    t2.restore(1, back as NonNullable<typeof back>, 5);
    expect(t2.look(1, settings, view({ dx: 64, seed: 8 }), 7000)?.verdict.kind).toBe("camera_moved");
    // The camera was re-aimed on purpose (epoch bumped): the moved view is learned as the new reference.
    const next = { ...settings, epoch: 1 };
    for (let i = 1; i <= 5; i++)
      expect(t2.look(1, next, view({ dx: 64, seed: i }), 8000 + i)).toBeUndefined();
    expect(t2.look(1, next, view({ dx: 64, seed: 9 }), 9000)?.verdict.kind).toBeNull();
    expect(decodeTamper(Buffer.from("junk"))).toBeUndefined();
  });
});

describe("slow drift", () => {
  const settings = { ...DEFAULT_TAMPER, width: W, height: H, refreshS: 600, epoch: 0 };

  it("a clean look refreshes the reference at most every refreshS; a tampered one never", () => {
    const t = new TamperTracker();
    for (let i = 1; i <= 5; i++) t.look(2, settings, view({ seed: i }), i * 1000);
    t.takeChanges(2);
    const dim = view({ seed: 20, gain: 0.7 });
    expect(t.look(2, settings, dim, 700_000)?.verdict.kind).toBeNull();
    expect(t.takeChanges(2)?.samples.at(-1)?.image).toEqual(frameFeatures(dim, W, H).small); // learned
    expect(t.look(2, settings, view({ seed: 21, gain: 0.7 }), 710_000)?.verdict.kind).toBeNull();
    expect(t.takeChanges(2)).toBeUndefined(); // within refreshS: not learned
    expect(t.look(2, settings, uniform(60), 1_400_000)?.verdict.kind).toBe("camera_covered");
    expect(t.takeChanges(2)).toBeUndefined(); // tampered: never learned
    expect(t.look(2, settings, view({ seed: 22, gain: 0.65 }), 1_401_000)?.verdict.kind).toBeNull();
    expect(t.takeChanges(2)?.samples).toHaveLength(5); // learned again, the oldest sample dropped
  });
});

describe("tamper check in the rules engine", () => {
  const caps = {
    person: false,
    pose: false,
    glove: false,
    headcover: false,
    custom: new Map(),
    broken: {},
    names: {},
  };
  const cfg = parseAnalyticsConfig({});
  const rules = resolveCameraRules(cfg.defaults, { checks: { tamper: { intervalS: 10, cooldownS: 300 } } });
  const obs = (tamper: Uint8Array | undefined): FrameObservation => ({
    width: 640,
    height: 480,
    thumb: new Uint8Array(64 * 48),
    motion: false,
    ...(tamper ? { tamper } : {}),
    peopleRan: false,
    persons: [],
    hands: [],
    heads: [],
    unknownParts: 0,
    custom: {},
    ms: {},
  });

  it("asks for its thumbnail every intervalS, fires after k of n looks, once per cooldown", () => {
    const e = new RulesEngine(caps, { width: 64, height: 48 });
    let t = Date.parse("2026-12-07T02:00:00Z");
    const step = (img: Uint8Array) => {
      const at = new Date(t);
      const plan = e.plan(1, rules, at);
      const v = e.evaluate(1, rules, obs(plan.tamper ? img : undefined), at);
      t += 5000;
      return { planned: !!plan.tamper, types: v.map((x) => x.type), v };
    };
    const planned: boolean[] = [];
    for (let i = 0; i < 10; i++) planned.push(step(view({ seed: i })).planned); // learning, every other frame
    expect(planned).toEqual([true, false, true, false, true, false, true, false, true, false]);
    expect(step(uniform(60)).types).toEqual([]); // 1 of 3
    step(uniform(60));
    const fired = step(uniform(60));
    expect(fired.types).toEqual(["camera_covered"]); // 2 of 3
    expect(fired.v[0]?.reference?.data.length).toBe(W * H);
    for (let i = 0; i < 8; i++) expect(step(uniform(60)).types).toEqual([]); // cooldown
  });
});

describe("tamper and the clean-area check", () => {
  it("a camera found covered is not compared with, nor learned into, its clean baseline", () => {
    const caps = {
      person: false,
      pose: false,
      glove: false,
      headcover: false,
      custom: new Map(),
      broken: {},
      names: {},
    };
    const rules = resolveCameraRules(parseAnalyticsConfig({}).defaults, {
      checks: {
        no_hat: { enabled: false },
        no_gloves: { enabled: false },
        unclean_area: { intervalS: 0, baseline: { samples: 3, width: 160, height: 120 } },
        tamper: { intervalS: 0, reference: { samples: 3 } },
      },
    });
    const e = new RulesEngine(caps, { width: 64, height: 48 });
    let t = Date.parse("2026-12-07T02:00:00Z");
    const detail = (img: Uint8Array) => {
      const out = new Uint8Array(160 * 120);
      for (let y = 0; y < 120; y++)
        for (let x = 0; x < 160; x++) out[y * 160 + x] = img[2 * y * W + 2 * x] as number;
      return out;
    };
    const step = (img: Uint8Array) => {
      const at = new Date(t);
      t += 1000;
      const plan = e.plan(1, rules, at);
      return e
        .evaluate(
          1,
          rules,
          {
            width: 640,
            height: 480,
            thumb: new Uint8Array(64 * 48),
            motion: false,
            ...(plan.detail ? { detail: detail(img) } : {}),
            ...(plan.tamper ? { tamper: img } : {}),
            peopleRan: false,
            persons: [],
            hands: [],
            heads: [],
            unknownParts: 0,
            custom: {},
            ms: {},
          },
          at,
        )
        .map((v) => v.type);
    };
    for (let i = 1; i <= 3; i++) expect(step(view({ seed: i }))).toEqual([]);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(...step(uniform(60)));
    expect(seen).toEqual(["camera_covered"]); // and no unclean_area
    expect(e.takeBaselineChanges(1)?.全画面?.samples).toHaveLength(3); // the cover was not learned
  });
});
