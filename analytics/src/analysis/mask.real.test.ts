/**
 * no_mask with the real models (CenterNet → MoveNet → face box → models/mask-classifier) on real footage
 * where nobody wears a mask: the demo's close-up of vtest.avi (faces 17–27 px) is judged and called bare;
 * the full 768×576 frame's faces (about 8 px) are "unknown", never bare.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VTEST, vtestFrame } from "../eval/footage.js";
import { closeUpFrame } from "../eval/mask.eval.js";
import { type LoadedModels, loadModelSet } from "../worker/model-set.js";
import { analyseFrame, type FramePlan } from "./frame.pipeline.js";

const MODELS = fileURLToPath(new URL("../../../models", import.meta.url));
const plan: FramePlan = {
  thumb: { width: 64, height: 48 },
  motion: { pixelThreshold: 25, areaThreshold: 0.005 },
  people: "always",
  hands: false,
  heads: false,
  faces: true,
  minFacePx: 16, // the no_mask default
  maxPersons: 8,
  custom: [],
};
let loaded: LoadedModels;

beforeAll(async () => {
  loaded = await loadModelSet({
    modelsDir: MODELS,
    models: {
      person: { path: "centernet/centernet.onnx", score: 0.4 },
      pose: { path: "movenet-lightning/movenet-lightning.onnx" },
      mask: { path: "mask-classifier/mask-classifier.onnx" },
    },
  });
}, 60_000);
afterAll(async () => loaded?.release());

describe("no_mask on vtest.avi with the shipped models", () => {
  it("has the footage and the models", () => {
    expect(existsSync(VTEST)).toBe(true);
    expect(loaded.caps).toMatchObject({ person: true, pose: true, mask: true });
  });

  it("judges the close-up's faces and calls most of them bare", async () => {
    const faces = [];
    for (const t of [54, 56, 58, 60, 64, 66, 68]) {
      const obs = await analyseFrame(new Uint8Array(closeUpFrame(t)), plan, loaded.models);
      expect(obs.faces).toBeDefined();
      for (const f of obs.faces ?? []) {
        const p = obs.persons[f.person];
        // The face lies in the upper part of its person's box.
        expect((f.y1 + f.y2) / 2).toBeLessThan(p ? p.y1 + (p.y2 - p.y1) * 0.4 : 0);
      }
      faces.push(...(obs.faces ?? []));
    }
    expect(faces.length).toBeGreaterThanOrEqual(6);
    const bare = faces.filter((f) => f.violation >= 0.6).length;
    expect(bare / faces.length).toBeGreaterThanOrEqual(0.75);
  }, 60_000);

  it("leaves the full frame's tiny faces unknown instead of calling them bare", async () => {
    const obs = await analyseFrame(new Uint8Array(vtestFrame(2)), plan, loaded.models);
    expect(obs.persons.length).toBeGreaterThanOrEqual(3);
    expect(obs.faces).toEqual([]);
    expect(obs.unknownFaces).toBe(obs.persons.length);
    // Without the size gate the same faces would be classified.
    const ungated = await analyseFrame(
      new Uint8Array(vtestFrame(2)),
      { ...plan, minFacePx: 0 },
      loaded.models,
    );
    expect((ungated.faces ?? []).length).toBeGreaterThan(0);
  }, 60_000);
});
