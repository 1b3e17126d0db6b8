/**
 * The default person pipeline with the project's real converted models (models/centernet,
 * models/movenet-lightning) on real footage (OpenCV's vtest.avi, pedestrians seen from above): persons
 * are found, and hand and head regions are derived from their keypoints. The classifiers here are small
 * test models (the trained ones are exercised by `npm run eval`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meanColourClassifier } from "../testing/onnx-builder.js";
import { type LoadedModels, loadModelSet } from "../worker/model-set.js";
import { analyseFrame, poseModelFor } from "./frame.pipeline.js";

const MODELS = fileURLToPath(new URL("../../../models", import.meta.url));
const VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
const dir = mkdtempSync(path.join(tmpdir(), "mingfang-real-"));
let loaded: LoadedModels;
let frame: Buffer;

beforeAll(async () => {
  const card = (name: string, classes: string[]) =>
    JSON.stringify({
      name,
      task: "classifier",
      file: `${name}.onnx`,
      input: { width: 32, height: 32, letterbox: false },
      outputs: [{ name: "probs", shape: [1, 2], layout: "probabilities" }],
      classes,
    });
  for (const [name, classes] of [
    ["glove", ["bare", "gloved"]],
    ["headcover", ["bare_head", "covered"]],
  ] as const) {
    writeFileSync(path.join(dir, `${name}.onnx`), meanColourClassifier());
    writeFileSync(path.join(dir, `${name}.json`), card(name, [...classes]));
  }
  execFileSync("ffmpeg", [
    "-loglevel",
    "error",
    "-y",
    "-ss",
    "2",
    "-i",
    VTEST,
    "-frames:v",
    "1",
    "-q:v",
    "3",
    path.join(dir, "vt.jpg"),
  ]);
  frame = readFileSync(path.join(dir, "vt.jpg"));
  loaded = await loadModelSet({
    modelsDir: MODELS,
    models: {
      person: { path: "centernet/centernet.onnx", score: 0.45 },
      pose: { path: "movenet-lightning/movenet-lightning.onnx" },
      glove: { path: path.join(dir, "glove.onnx"), card: path.join(dir, "glove.json") },
      headcover: { path: path.join(dir, "headcover.onnx"), card: path.join(dir, "headcover.json") },
    },
  });
}, 60_000);
afterAll(async () => loaded?.release());

describe("default person pipeline on vtest.avi", () => {
  it("has the shipped models", () => {
    expect(existsSync(path.join(MODELS, "centernet/centernet.onnx"))).toBe(true);
    expect(loaded.caps).toMatchObject({ person: true, pose: true, glove: true, headcover: true });
  });

  it("finds the pedestrians and derives a head and hands for each", async () => {
    const obs = await analyseFrame(
      new Uint8Array(frame),
      {
        thumb: { width: 64, height: 48 },
        motion: { pixelThreshold: 25, areaThreshold: 0.005 },
        people: "always",
        hands: true,
        heads: true,
        maxPersons: 8,
        custom: [],
      },
      loaded.models,
    );
    expect([obs.width, obs.height]).toEqual([768, 576]);
    expect(obs.persons.length).toBeGreaterThanOrEqual(3);
    // Mostly upright people, taller than wide (a partly hidden one may not be).
    const upright = obs.persons.filter((p) => p.y2 - p.y1 > p.x2 - p.x1);
    expect(upright.length).toBeGreaterThanOrEqual(Math.ceil(obs.persons.length * 0.6));
    if (process.env.ANALYTICS_DEBUG) {
      const { renderEvidence } = await import("../evidence/evidence.render.js");
      const ev = await renderEvidence(frame, obs.width, obs.height, [
        ...obs.persons,
        ...obs.heads,
        ...obs.hands,
      ]);
      writeFileSync(process.env.ANALYTICS_DEBUG, ev.jpeg);
    }
    expect(obs.heads).toHaveLength(obs.persons.length);
    for (const h of obs.heads) {
      const p = obs.persons[h.person];
      // The head lies in the upper part of its person's box.
      expect((h.y1 + h.y2) / 2).toBeLessThan(p ? p.y1 + (p.y2 - p.y1) * 0.45 : 0);
      expect(h.violation).toBeGreaterThanOrEqual(0);
    }
    expect(obs.ms.person).toBeGreaterThan(0);
    expect(obs.ms.pose).toBeGreaterThan(0);
  });

  it("runs the tall-input MoveNet on standing people's crops and the square one on wider crops, finding the same heads", async () => {
    const withTall = await loadModelSet({
      modelsDir: MODELS,
      models: {
        person: { path: "centernet/centernet.onnx", score: 0.45 },
        pose: { path: "movenet-lightning/movenet-lightning.onnx" },
        "pose-tall": { path: "movenet-lightning-tall/movenet-lightning-tall.onnx" },
        headcover: { path: path.join(dir, "headcover.onnx"), card: path.join(dir, "headcover.json") },
      },
    });
    try {
      const { models } = withTall;
      expect(models.poseTall?.card.input).toMatchObject({ width: 96, height: 192 });
      // No wider than 96:192 → the tall input; wider → the square one (which would not scale it down).
      expect(poseModelFor({ width: 50, height: 100 }, models)).toBe(models.poseTall);
      expect(poseModelFor({ width: 51, height: 100 }, models)).toBe(models.pose);
      expect(poseModelFor({ width: 30, height: 100 }, { pose: models.pose })).toBe(models.pose);
      const plan = {
        thumb: { width: 64, height: 48 },
        motion: { pixelThreshold: 25, areaThreshold: 0.005 },
        people: "always" as const,
        hands: false,
        heads: true,
        maxPersons: 8,
        custom: [],
      };
      const square = await analyseFrame(new Uint8Array(frame), plan, { ...models, poseTall: undefined });
      const tall = await analyseFrame(new Uint8Array(frame), plan, models);
      // The pedestrians here are all upright: every crop goes to the tall model.
      expect(tall.ms["pose-tall"]).toBeGreaterThan(0);
      expect(tall.ms.pose).toBeUndefined();
      expect(tall.heads).toHaveLength(square.heads.length);
      const iou = (a: (typeof tall.heads)[0], b: (typeof tall.heads)[0]) => {
        const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
        const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
        const i = w * h;
        return i / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - i);
      };
      // Measured on 243 persons: 240 head crops at IoU >= 0.5 with the square model's (median 0.93).
      const close = tall.heads.filter((h, i) => iou(h, square.heads[i] as typeof h) >= 0.5);
      expect(close.length).toBeGreaterThanOrEqual(tall.heads.length - 1);
    } finally {
      await withTall.release();
    }
  });

  it("examines only the persons near a check's zones", async () => {
    const plan = {
      thumb: { width: 64, height: 48 },
      motion: { pixelThreshold: 25, areaThreshold: 0.005 },
      people: "always" as const,
      hands: true,
      heads: true,
      maxPersons: 8,
      custom: [],
    };
    // The top-left corner holds only lawn and a wall in this frame: nobody there.
    const corner: [number, number][][] = [
      [
        [0, 0],
        [0.1, 0],
        [0.1, 0.1],
        [0, 0.1],
      ],
    ];
    const obs = await analyseFrame(
      new Uint8Array(frame),
      { ...plan, handZones: corner, headZones: corner },
      loaded.models,
    );
    expect(obs.persons.length).toBeGreaterThanOrEqual(3);
    expect(obs.hands).toEqual([]);
    expect(obs.heads).toEqual([]);
    expect(obs.ms.pose).toBeUndefined();
  });

  it("leaves hands too small for the glove classifier unknown instead of calling them gloved", async () => {
    const plan = {
      thumb: { width: 64, height: 48 },
      motion: { pixelThreshold: 25, areaThreshold: 0.005 },
      people: "always" as const,
      hands: true,
      heads: false,
      maxPersons: 8,
      custom: [],
    };
    const all = await analyseFrame(new Uint8Array(frame), plan, loaded.models);
    const gated = await analyseFrame(new Uint8Array(frame), { ...plan, minHandPx: 32 }, loaded.models);
    // vtest.avi's pedestrians are ~40×80 px: their hand crops are ~15 px.
    expect(all.hands.length).toBeGreaterThan(0);
    expect(gated.hands.filter((h) => h.x2 - h.x1 < 32 && h.y2 - h.y1 < 32)).toEqual([]);
    expect(gated.unknownParts).toBe(all.hands.length - gated.hands.length);
    expect(gated.unknownParts).toBeGreaterThan(0);
  });
});
