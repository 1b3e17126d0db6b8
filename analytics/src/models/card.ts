/**
 * Model cards (models/<name>/card.json): what the code needs to run a model — task, input geometry and
 * normalisation, the outputs and their layouts, class names, default thresholds. A model is data: an ONNX
 * file plus this card. A user's own Ultralytics export needs no card: its config entry gives the classes.
 */
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";

export const ModelCard = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /**
     * The model's version ("1", "2", …; bumped by `mingfang models retrain` on install). Optional for a
     * user's own model: the loader then uses the ONNX file's short SHA-256 (modelVersionOf).
     */
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[^+@\\s]+$" })),
    task: Type.Union([Type.Literal("detector"), Type.Literal("keypoints"), Type.Literal("classifier")]),
    file: Type.String({ minLength: 1 }),
    input: Type.Object({
      name: Type.Optional(Type.String()),
      width: Type.Integer({ minimum: 1 }),
      height: Type.Integer({ minimum: 1 }),
      layout: Type.Optional(Type.Union([Type.Literal("NCHW"), Type.Literal("NHWC")])),
      channels: Type.Optional(Type.Union([Type.Literal("RGB"), Type.Literal("BGR")])),
      range: Type.Optional(Type.Tuple([Type.Number(), Type.Number()])),
      mean: Type.Optional(Type.Array(Type.Number())),
      std: Type.Optional(Type.Array(Type.Number())),
      letterbox: Type.Optional(Type.Boolean()),
    }),
    outputs: Type.Array(
      Type.Object({
        name: Type.String(),
        /** -1 (or a string) for a dynamic dimension. */
        shape: Type.Array(Type.Union([Type.Integer(), Type.String()])),
        layout: Type.String(),
      }),
      { minItems: 1 },
    ),
    classes: Type.Array(Type.String()),
    thresholds: Type.Optional(Type.Object({ score: Type.Number(), iou: Type.Optional(Type.Number()) })),
  },
  // Cards carry more for people (source, licence, metrics): allowed, not read here.
  { additionalProperties: true },
);
export type ModelCard = Static<typeof ModelCard>;

export class ModelError extends Error {
  override name = "ModelError";
}

export function parseCard(json: unknown, where: string): ModelCard {
  if (!Value.Check(ModelCard, json)) {
    const first = [...Value.Errors(ModelCard, json)][0];
    throw new ModelError(
      `${where}: not a model card (${first ? `${first.instancePath || "/"} ${first.message}` : "invalid"})`,
    );
  }
  return json;
}

/** The version a loaded model reports: its card's, else the first 12 hex digits of its file's SHA-256. */
export function modelVersionOf(card: ModelCard, fileSha256: () => string): string {
  return card.version ?? fileSha256().slice(0, 12);
}

/**
 * A card for a YOLO export that has none (a user's Ultralytics model): layout, input size and classes
 * from configuration.
 */
export function yoloCard(opts: {
  name: string;
  file: string;
  layout: "yolov5" | "yolov8" | "yolo11";
  inputSize: number;
  classes: string[];
  score?: number;
  iou?: number;
}): ModelCard {
  const rows = (opts.layout === "yolov5" ? 5 : 4) + opts.classes.length;
  return {
    name: opts.name,
    task: "detector",
    file: opts.file,
    input: {
      width: opts.inputSize,
      height: opts.inputSize,
      layout: "NCHW",
      channels: "RGB",
      range: [0, 1],
      letterbox: true,
    },
    outputs: [
      {
        name: "output0",
        shape: opts.layout === "yolov5" ? [1, -1, rows] : [1, rows, -1],
        layout: opts.layout,
      },
    ],
    classes: opts.classes,
    thresholds: { score: opts.score ?? 0.25, iou: opts.iou ?? 0.45 },
  };
}
