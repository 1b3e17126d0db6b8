/** Model versions and the installed-models folder (`mingfang models retrain` installs there). */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { modelVersionField } from "./analytics.worker.js";
import { loadModelSet } from "./model-set.js";

const MODELS = fileURLToPath(new URL("../../../models", import.meta.url));
const installed = mkdtempSync(path.join(tmpdir(), "mingfang-installed-"));
afterAll(() => rmSync(installed, { recursive: true, force: true }));

describe("model set", () => {
  it("prefers a model installed under installedModelsDir, and reports every model's version", async () => {
    cpSync(path.join(MODELS, "hat-classifier"), path.join(installed, "hat-classifier"), { recursive: true });
    const cardFile = path.join(installed, "hat-classifier", "card.json");
    const card = JSON.parse(readFileSync(cardFile, "utf8"));
    writeFileSync(cardFile, JSON.stringify({ ...card, version: "7" }));
    const set = await loadModelSet({
      modelsDir: MODELS,
      installedModelsDir: installed,
      models: {
        glove: { path: "glove-classifier/glove-classifier.onnx" },
        headcover: { path: "hat-classifier/hat-classifier.onnx" },
      },
    });
    try {
      expect(set.caps.versions).toEqual({ glove: "glove-classifier@1", headcover: "hat-classifier@7" });
    } finally {
      await set.release();
    }
  });

  it("gives a card without a version the file's short SHA-256", async () => {
    const dir = path.join(installed, "mine");
    cpSync(path.join(MODELS, "glove-classifier"), dir, { recursive: true });
    const cardFile = path.join(dir, "card.json");
    const { version: _, ...card } = JSON.parse(readFileSync(cardFile, "utf8"));
    writeFileSync(cardFile, JSON.stringify({ ...card, name: "mine" }));
    const set = await loadModelSet({
      modelsDir: installed,
      models: { glove: { path: "mine/glove-classifier.onnx" } },
    });
    try {
      expect(set.caps.versions?.glove).toMatch(/^mine@[0-9a-f]{12}$/);
    } finally {
      await set.release();
    }
  });

  it("joins the versions of the models an alert names, leaving out the baseline", () => {
    const versions = { person: "centernet@1", pose: "movenet-lightning@1", glove: "glove-classifier@2" };
    expect(modelVersionField("person+pose+glove", versions)).toEqual({
      modelVersion: "centernet@1+movenet-lightning@1+glove-classifier@2",
    });
    expect(
      modelVersionField("person+pose+glove", { ...versions, "pose-tall": "movenet-lightning-tall@1" }),
    ).toEqual({
      modelVersion: "centernet@1+movenet-lightning@1+movenet-lightning-tall@1+glove-classifier@2",
    });
    expect(modelVersionField("baseline", versions)).toEqual({});
    expect(modelVersionField("person+pose+glove", undefined)).toEqual({});
  });
});
