/**
 * Loads the configured models once (per inference thread): the default checks' models by their
 * well-known names (person, pose, pose-tall, glove, headcover, mask) and every model with a class map as a custom
 * detector. A default model whose file is absent is reported, and the checks that need it stay unarmed;
 * a file that is present but broken (not ONNX, outputs not as its card says) is recorded as broken: every
 * frame that a check needing it should have examined fails with the model's error (counted in metrics).
 *
 * A model installed by `mingfang models retrain` (the same relative path under `installedModelsDir`, e.g.
 * DATA_DIR/models/hat-classifier/hat-classifier.onnx) is preferred to the committed one in `modelsDir`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Logger } from "@mingfang/core";
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
import { type ExecutionProvider, probeExecutionProvider } from "../models/session.adapter.js";
import type { Capabilities } from "../rules/rules.engine.js";

export interface LoadedModels {
  models: FrameModels;
  caps: Capabilities;
  missing: string[];
  /** Models present but unusable (not ONNX, outputs not as the card says): name → reason. */
  broken: Record<string, string>;
  release(): Promise<void>;
}

/**
 * The folder a model file is read from: the installed models' (where `mingfang models retrain` puts a
 * better one) when it holds the file, else the committed models'. The CLI's retrain and rollback ask the same.
 */
export function modelRoot(file: string, installed: string | undefined, committed: string): string {
  return installed && existsSync(path.resolve(installed, file)) ? installed : committed;
}

function want<K extends Model["kind"]>(m: Model, kind: K, name: string): Extract<Model, { kind: K }> {
  if (m.kind !== kind)
    throw new ModelError(`model ${name}: is a ${m.kind}, the ${name} role needs a ${kind}`);
  return m as Extract<Model, { kind: K }>;
}

/** The classifier roles the default checks know: configured name → its slot in models and capabilities. */
const CLASSIFIER_ROLES = ["glove", "headcover", "mask"] as const;

/** Puts a loaded model where its configured name says: a custom detector, the person detector, pose, a classifier. */
function assignRole(
  name: string,
  entry: AnalyticsConfig["models"][string],
  m: Model,
  models: FrameModels,
  caps: Capabilities,
): void {
  if (entry.classMap) {
    const d = want(m, "detector", name) as Detector;
    models.custom.set(name, { detector: d, classMap: entry.classMap });
    caps.custom.set(name, new Set(Object.values(entry.classMap).filter((v): v is string => !!v)));
  } else if (name === "person") {
    models.person = want(m, "detector", name) as Detector;
    caps.person = true;
    caps.names.person = name;
  } else if (name === "pose") {
    models.pose = want(m, "keypoints", name) as KeypointModel;
    caps.pose = true;
  } else if (name === "pose-tall") {
    models.poseTall = want(m, "keypoints", name) as KeypointModel;
  } else {
    const role = CLASSIFIER_ROLES.find((r) => r === name);
    if (!role) return;
    models[role] = want(m, "classifier", name) as Classifier;
    caps[role] = true;
    caps.names[role] = name;
  }
}

/** What loading the models needs of the configuration (the provider: cpu when not given). */
export type ModelsConfig = Pick<AnalyticsConfig, "models" | "modelsDir" | "installedModelsDir"> & {
  executionProvider?: ExecutionProvider;
};

/**
 * The execution provider the models will run on: the configured one when a session can be created on it
 * here (tried on the first configured model file present), else the CPU, with one warning saying why.
 */
export async function resolveExecutionProvider(
  cfg: ModelsConfig,
  log: Pick<Logger, "warn" | "info">,
): Promise<ExecutionProvider> {
  const wanted = cfg.executionProvider ?? "cpu";
  if (wanted === "cpu") return wanted;
  const committed = path.resolve(cfg.modelsDir);
  const installed = cfg.installedModelsDir ? path.resolve(cfg.installedModelsDir) : undefined;
  const file = Object.values(cfg.models)
    .map((m) => path.resolve(modelRoot(m.path, installed, committed), m.path))
    .find((f) => existsSync(f));
  if (!file) return "cpu"; // no model to run anywhere
  const why = await probeExecutionProvider(wanted, file);
  if (!why) {
    log.info({ executionProvider: wanted }, `models run on ONNX Runtime's ${wanted} execution provider`);
    return wanted;
  }
  log.warn(
    { executionProvider: wanted, reason: why },
    `MODEL_EXECUTION_PROVIDER=${wanted} is not available here: the models run on the CPU`,
  );
  return "cpu";
}

export async function loadModelSet(cfg: ModelsConfig): Promise<LoadedModels> {
  const committed = path.resolve(cfg.modelsDir);
  const installed = cfg.installedModelsDir ? path.resolve(cfg.installedModelsDir) : undefined;
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
    versions: {},
  };
  try {
    for (const [name, entry] of Object.entries(cfg.models)) {
      const dir = modelRoot(entry.path, installed, committed);
      if (!existsSync(path.resolve(dir, entry.path))) {
        missing.push(`${name} (${entry.path})`);
        continue;
      }
      let m: Model;
      try {
        m = await loadModel(name, entry, dir, cfg.executionProvider);
      } catch (err) {
        if (!(err instanceof ModelError)) throw err;
        broken[name] = err.message;
        continue;
      }
      all.push(m);
      caps.versions![name] = `${m.card.name}@${m.card.version}`;
      assignRole(name, entry, m, models, caps);
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
