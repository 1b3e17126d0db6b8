/**
 * Loads the configured models once (per inference thread): the default checks' models by their
 * well-known names (person, pose, pose-tall, glove, headcover) and every model with a class map as a custom
 * detector. A default model whose file is absent is reported, and the checks that need it stay unarmed;
 * a file that is present but broken (not ONNX, outputs not as its card says) is recorded as broken: every
 * frame that a check needing it should have examined fails with the model's error (counted in metrics).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { FrameModels } from "../analysis/frame.pipeline.js";
import type { AnalyticsConfig } from "../config.schema.js";
import { ModelError } from "../models/card.js";
import {
  type Classifier,
  type Detector,
  type KeypointModel,
  loadModel,
  type Model,
} from "../models/detector.registry.js";
import type { Capabilities } from "../rules/rules.engine.js";

export interface LoadedModels {
  models: FrameModels;
  caps: Capabilities;
  missing: string[];
  /** Models present but unusable (not ONNX, outputs not as the card says): name → reason. */
  broken: Record<string, string>;
  release(): Promise<void>;
}

export async function loadModelSet(
  cfg: Pick<AnalyticsConfig, "models" | "modelsDir">,
): Promise<LoadedModels> {
  const dir = path.resolve(cfg.modelsDir);
  const all: Model[] = [];
  const missing: string[] = [];
  const broken: Record<string, string> = {};
  const models: FrameModels = { custom: new Map() };
  const caps: Capabilities = {
    person: false,
    pose: false,
    glove: false,
    headcover: false,
    custom: new Map(),
    broken,
    names: {},
  };
  const want = <K extends Model["kind"]>(m: Model, kind: K, name: string): Extract<Model, { kind: K }> => {
    if (m.kind !== kind)
      throw new ModelError(`model ${name}: is a ${m.kind}, the ${name} role needs a ${kind}`);
    return m as Extract<Model, { kind: K }>;
  };
  try {
    for (const [name, entry] of Object.entries(cfg.models)) {
      if (!existsSync(path.resolve(dir, entry.path))) {
        missing.push(`${name} (${entry.path})`);
        continue;
      }
      let m: Model;
      try {
        m = await loadModel(name, entry, dir);
      } catch (err) {
        if (!(err instanceof ModelError)) throw err;
        broken[name] = err.message;
        continue;
      }
      all.push(m);
      if (entry.classMap) {
        const d = want(m, "detector", name) as Detector;
        models.custom.set(name, { detector: d, classMap: entry.classMap });
        caps.custom.set(name, new Set(Object.values(entry.classMap).filter((v): v is string => !!v)));
        continue;
      }
      if (name === "person") {
        models.person = want(m, "detector", name) as Detector;
        caps.person = true;
        caps.names.person = name;
      } else if (name === "pose") {
        models.pose = want(m, "keypoints", name) as KeypointModel;
        caps.pose = true;
      } else if (name === "pose-tall") {
        models.poseTall = want(m, "keypoints", name) as KeypointModel;
      } else if (name === "glove") {
        models.glove = want(m, "classifier", name) as Classifier;
        caps.glove = true;
        caps.names.glove = name;
      } else if (name === "headcover") {
        models.headcover = want(m, "classifier", name) as Classifier;
        caps.headcover = true;
        caps.names.headcover = name;
      }
    }
  } catch (err) {
    for (const m of all) await m.release().catch(() => {});
    throw err;
  }
  return {
    models,
    caps,
    missing,
    broken,
    release: async () => {
      for (const m of all) await m.release().catch(() => {});
    },
  };
}
