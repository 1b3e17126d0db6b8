/**
 * Detectors behind one interface, built by a registry (as Frigate's detector plugins): a type name →
 * a factory that wraps a checked, warmed-up ONNX session with the right pre- and post-processing.
 * The type is the layout of the model's first output (from its card), or given in configuration for a
 * user's own YOLO export. Each built-in family of types has its own file under `types/`; a new family
 * gets a file there and a line in BUILT_IN_TYPES; nothing else changes.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { YoloLayout } from "../post/yolo.decoder.js";
import { type ModelCard, ModelError, modelVersionOf, parseCard, yoloCard } from "./card.js";
import type { Model, ModelEntry, ModelFactory, ModelTypeDefinition } from "./model.types.js";
import { type ExecutionProvider, openSession } from "./session.adapter.js";
import { blazefaceTypes } from "./types/blazeface.js";
import { centernetTypes } from "./types/centernet.js";
import { classifierTypes } from "./types/classifier.js";
import { movenetTypes } from "./types/movenet.js";
import { YOLO_LAYOUTS, yoloTypes } from "./types/yolo.js";

export type {
  Classifier,
  Detector,
  FactoryContext,
  Keypoint,
  KeypointModel,
  Model,
  ModelEntry,
  ModelFactory,
  ModelTypeDefinition,
} from "./model.types.js";
export { prepare } from "./types/common.js";

/** The types every worker knows. */
export const BUILT_IN_TYPES: readonly ModelTypeDefinition[] = [
  ...yoloTypes,
  ...centernetTypes,
  ...blazefaceTypes,
  ...movenetTypes,
  ...classifierTypes,
];

const FACTORIES = new Map<string, ModelFactory>(BUILT_IN_TYPES.map((d) => [d.type, d.factory]));

export function registerModelType(type: string, factory: ModelFactory): void {
  FACTORIES.set(type, factory);
}
export function modelTypes(): string[] {
  return [...FACTORIES.keys()].sort();
}

/** The card of a card-less YOLO export, from its entry in configuration. */
function cardOfYoloExport(name: string, entry: ModelEntry, file: string): ModelCard {
  return yoloCard({
    name,
    file: path.basename(file),
    layout: entry.type as YoloLayout,
    inputSize: entry.inputSize ?? 640,
    classes: entry.classes as string[],
    ...(entry.score !== undefined ? { score: entry.score } : {}),
    ...(entry.iou !== undefined ? { iou: entry.iou } : {}),
  });
}

/** The card file (card.json beside the ONNX file unless configuration names another), with its thresholds. */
async function readCardFile(name: string, entry: ModelEntry, modelsDir: string): Promise<ModelCard> {
  const cardFile = path.resolve(modelsDir, entry.card ?? path.join(path.dirname(entry.path), "card.json"));
  let json: unknown;
  try {
    json = JSON.parse(await readFile(cardFile, "utf8"));
  } catch (err) {
    throw new ModelError(`model ${name}: cannot read its card ${cardFile}: ${(err as Error).message}`);
  }
  const card = parseCard(json, cardFile);
  // Configuration may tighten or loosen the card's default thresholds.
  if (entry.score === undefined && entry.iou === undefined) return card;
  return {
    ...card,
    thresholds: {
      score: entry.score ?? card.thresholds?.score ?? 0.5,
      ...((entry.iou ?? card.thresholds?.iou) !== undefined
        ? { iou: (entry.iou ?? card.thresholds?.iou) as number }
        : {}),
    },
  };
}

/** Loads one model: card, session (checked, warmed up), wrapped by its type's factory. */
export async function loadModel(
  name: string,
  entry: ModelEntry,
  modelsDir: string,
  provider: ExecutionProvider = "cpu",
): Promise<Model> {
  const file = path.resolve(modelsDir, entry.path);
  const yoloType = entry.type && (YOLO_LAYOUTS as readonly string[]).includes(entry.type);
  const card =
    entry.classes && yoloType
      ? cardOfYoloExport(name, entry, file)
      : await readCardFile(name, entry, modelsDir);
  const type = entry.type ?? card.outputs[0]?.layout ?? "";
  const factory = FACTORIES.get(type);
  if (!factory)
    throw new ModelError(`model ${name}: unknown type '${type}' (known: ${modelTypes().join(", ")})`);
  const session = await openSession(file, card, provider);
  // Every loaded model has a version (what an alert records): the card's, else the file's short hash.
  card.version = modelVersionOf(card, () => createHash("sha256").update(readFileSync(file)).digest("hex"));
  try {
    return factory({ name, card, session });
  } catch (err) {
    await session.release();
    throw err;
  }
}
