/**
 * Analytics configuration, one TypeBox schema (Frigate style): every field has a default and a
 * description; unknown keys are rejected; `defaults` are deep-merged into each camera's overrides.
 * A camera's zones come from the API's `cameras.zones` column (and its working hours from
 * `cameras.schedule`); the rest of a camera's rules from `cameras.analytics` (migration 0005) or from
 * this file's `cameras` section.
 */
import { CHECK_ENABLED_BY_DEFAULT } from "@mingfang/core";
import { type Static, type TSchema, Type } from "typebox";
import { Value } from "typebox/value";

const Num = (def: number, description: string, min = 0, max?: number) =>
  Type.Number({ default: def, description, minimum: min, ...(max !== undefined ? { maximum: max } : {}) });

export const ScheduleSchema = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { description: "ISO weekdays, 1 = Monday." }),
    hours: Type.Array(
      Type.Object(
        {
          from: Type.String({ pattern: "^\\d{1,2}:\\d{2}$" }),
          to: Type.String({ pattern: "^\\d{1,2}:\\d{2}$" }),
        },
        { additionalProperties: false },
      ),
    ),
    timezone: Type.Optional(Type.String({ description: "IANA time zone (default Asia/Shanghai)." })),
  },
  { additionalProperties: false },
);

export const ZoneSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** Normalised [x, y] vertices. */
    points: Type.Array(
      Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]),
      {
        minItems: 3,
      },
    ),
  },
  { additionalProperties: true },
);

const Source = Type.Union(
  [
    Type.Object({ type: Type.Literal("default") }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal("yolo"),
        model: Type.String({
          minLength: 1,
          description: "A model in `models` whose classMap names this check's type.",
        }),
      },
      { additionalProperties: false },
    ),
  ],
  {
    default: { type: "default" },
    description: "What finds the violation: the default method, or a detector's class map.",
  },
);

const checkFields = (threshold: number, motionGated: boolean, enabled = true) => ({
  enabled: Type.Boolean({ default: enabled, description: "Run this check on this camera." }),
  zones: Type.Array(Type.String(), {
    default: [],
    description: "Names of the camera zones it applies to; empty: the whole frame.",
  }),
  schedule: Type.Union([ScheduleSchema, Type.Null()], {
    default: null,
    description: "When the check is armed; null: the camera's working hours (or always, if it has none).",
  }),
  threshold: Num(threshold, "Score at or above which a frame counts as a violation.", 0, 1),
  persistence: Type.Object(
    {
      k: Type.Integer({ default: 2, minimum: 1, description: "Violation frames needed…" }),
      n: Type.Integer({ default: 3, minimum: 1, description: "…among the last n analysed frames." }),
    },
    { additionalProperties: false, default: {} },
  ),
  cooldownS: Num(300, "No second alert of this check on this camera within this many seconds."),
  motionGated: Type.Boolean({ default: motionGated, description: "Skip the models when nothing moved." }),
  source: Source,
});

export const PeopleCheckSchema = (threshold: number, minCropPx: number, enabled = true) =>
  Type.Object(
    {
      ...checkFields(threshold, true, enabled),
      idleInCooldown: Type.Boolean({
        default: true,
        description:
          "While the cooldown after an alert runs (the check cannot alert), skip this check's models; after it, k fresh violating frames of n are needed again. false: keep analysing (the naive baseline of bench/analytics).",
      }),
      minCropPx: Type.Integer({
        default: minCropPx,
        minimum: 0,
        description:
          "Hands (heads) whose crop is smaller than this many pixels are not classified (unknown, not compliant): the glove classifier is unreliable below ~16 px (models/glove-classifier/README.md). no_mask: faces shorter than this (forehead to chin) are unknown, never bare; the mask classifier was trained on faces of 16 px and more (models/mask-classifier/README.md).",
      }),
    },
    { additionalProperties: false, default: {} },
  );

export const UncleanCheckSchema = Type.Object(
  {
    ...checkFields(0.5, false, CHECK_ENABLED_BY_DEFAULT.unclean_area),
    intervalS: Num(60, "Evaluate at most this often (seconds); also when nothing moves."),
    baseline: Type.Object(
      {
        samples: Type.Integer({
          default: 5,
          minimum: 1,
          maximum: 50,
          description: "Clean samples the baseline learns from.",
        }),
        pixelThreshold: Num(1.0, "Normalised difference (robust standard deviations) for a pixel to differ."),
        areaThreshold: Num(
          0.02,
          "Share of a zone's visible pixels that must differ (in patches, after a 3×3 opening).",
          0,
          1,
        ),
        width: Type.Integer({
          default: 160,
          minimum: 16,
          maximum: 640,
          description: "Thumbnail width for the comparison.",
        }),
        height: Type.Integer({ default: 120, minimum: 16, maximum: 480, description: "Thumbnail height." }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

/**
 * Camera tampering (covered / moved / defocused) against the camera's own learned reference: the whole
 * frame (zones are not used), every `intervalS` whether or not anything moved (rules/tamper.ts).
 */
export const TamperCheckSchema = Type.Object(
  {
    ...checkFields(0.5, false, CHECK_ENABLED_BY_DEFAULT.tamper),
    intervalS: Num(30, "Evaluate at most this often (seconds); also when nothing moves."),
    referenceEpoch: Type.Integer({
      default: 0,
      minimum: 0,
      description:
        "The reference's epoch: a change makes the worker learn a new reference (the console's 重新学习参考画面, and the API when the camera's stream or position is edited, bump it).",
    }),
    reference: Type.Object(
      {
        samples: Type.Integer({
          default: 5,
          minimum: 1,
          maximum: 20,
          description: "Frames the reference is learned from (a per-pixel median).",
        }),
        refreshS: Num(
          600,
          "A frame well within every limit refreshes the reference at most this often (slow drift).",
        ),
        coverShare: Num(
          0.75,
          "Covered: share of the reference's textured blocks (8×6 grid) that are flat now.",
          0,
          1,
        ),
        minAlignment: Num(
          0.55,
          "Moved: best edge-map correlation with the reference (after a small shift) below this.",
          -1,
          1,
        ),
        minSharpness: Num(0.65, "Defocused: sharpness below this fraction of the reference's.", 0, 1),
        maxShift: Type.Integer({
          default: 3,
          minimum: 0,
          maximum: 10,
          description:
            "Shift tolerated (edge-map pixels, a quarter of the thumbnail's) before calling it moved.",
        }),
        width: Type.Integer({ default: 320, minimum: 32, maximum: 1280, description: "Thumbnail width." }),
        height: Type.Integer({ default: 240, minimum: 24, maximum: 960, description: "Thumbnail height." }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const CameraRulesSchema = Type.Object(
  {
    zones: Type.Array(ZoneSchema, { default: [], description: "Polygons (normalised); from cameras.zones." }),
    schedule: Type.Union([ScheduleSchema, Type.Null()], {
      default: null,
      description: "Working hours; null: always.",
    }),
    motion: Type.Object(
      {
        pixelThreshold: Num(25, "Grey-level change (after brightness normalisation) for a pixel to count."),
        areaThreshold: Num(0.005, "Share of changed pixels that counts as motion.", 0, 1),
      },
      { additionalProperties: false, default: {} },
    ),
    maxPersons: Type.Integer({
      default: 6,
      minimum: 1,
      maximum: 50,
      description: "Persons examined per frame (largest first).",
    }),
    checks: Type.Object(
      {
        no_gloves: PeopleCheckSchema(0.6, 16, CHECK_ENABLED_BY_DEFAULT.no_gloves),
        no_hat: PeopleCheckSchema(0.6, 0, CHECK_ENABLED_BY_DEFAULT.no_hat),
        no_mask: PeopleCheckSchema(0.6, 16, CHECK_ENABLED_BY_DEFAULT.no_mask),
        unclean_area: UncleanCheckSchema,
        tamper: TamperCheckSchema,
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type CameraRules = Static<typeof CameraRulesSchema>;
export type CheckName = keyof CameraRules["checks"];
export const CHECKS: readonly CheckName[] = ["no_gloves", "no_hat", "no_mask", "unclean_area", "tamper"];

export const ModelEntrySchema = Type.Object(
  {
    path: Type.String({ minLength: 1, description: "ONNX file, relative to modelsDir." }),
    card: Type.Optional(Type.String({ description: "Card file (default: card.json beside the model)." })),
    type: Type.Optional(
      Type.String({ description: "Override the type: yolov5, yolov8, yolo11, centernet, …" }),
    ),
    classes: Type.Optional(
      Type.Array(Type.String(), { description: "Class names of a card-less YOLO export." }),
    ),
    inputSize: Type.Optional(Type.Integer({ minimum: 32 })),
    score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    iou: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    classMap: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
        description: "Class name → violation type (no_hat, no_gloves, unclean_area, …) or null (compliant).",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ModelConfig = Static<typeof ModelEntrySchema>;

export const AnalyticsConfigSchema = Type.Object(
  {
    modelsDir: Type.String({
      default: "models",
      description: "Where model files live (relative: to the working directory).",
    }),
    installedModelsDir: Type.Optional(
      Type.String({
        description:
          "Models installed by `mingfang models retrain` (INSTALLED_MODELS_DIR, default DATA_DIR/models): a model's file found here under its configured path is preferred to the one in modelsDir.",
      }),
    ),
    models: Type.Record(Type.String(), ModelEntrySchema, {
      default: {
        // 0.4, not the card's 0.3: on vtest.avi 0.3 also takes a box spanning two walkers for a person; at
        // 0.4 the hand-checked frames had no false positive and 17 of 18 pedestrians (models/centernet).
        // (0.45 was chosen for the 512² input, where a rock and a traffic cone scored up to 0.44.)
        person: { path: "centernet/centernet.onnx", score: 0.4 },
        pose: { path: "movenet-lightning/movenet-lightning.onnx" },
        // The same MoveNet at 96×192, for standing people's crops: half the convolutions at the same scale
        // (models/movenet-lightning-tall/README.md); wider crops go to `pose`.
        "pose-tall": { path: "movenet-lightning-tall/movenet-lightning-tall.onnx" },
        glove: { path: "glove-classifier/glove-classifier.onnx" },
        headcover: { path: "hat-classifier/hat-classifier.onnx" },
        mask: { path: "mask-classifier/mask-classifier.onnx" },
      },
      description: "Models by name. person, pose, glove, headcover and mask are the default checks' models.",
    }),
    executionProvider: Type.Union([Type.Literal("cpu"), Type.Literal("cuda"), Type.Literal("tensorrt")], {
      default: "cpu",
      description:
        "ONNX Runtime execution provider (MODEL_EXECUTION_PROVIDER): cuda or tensorrt run the models on an NVIDIA GPU; when unavailable the worker falls back to cpu and logs one warning.",
    }),
    concurrency: Type.Integer({
      default: 1,
      minimum: 1,
      maximum: 16,
      description: "Frames analysed at once (one inference thread each).",
    }),
    maxFrameAgeS: Num(10, "Frames older than this when picked up are dropped (newest wins)."),
    thumbnail: Type.Object(
      { width: Type.Integer({ default: 64, minimum: 8 }), height: Type.Integer({ default: 48, minimum: 8 }) },
      { additionalProperties: false, default: {}, description: "Motion-gating thumbnail size." },
    ),
    defaults: CameraRulesSchema,
    cameras: Type.Record(Type.String({ pattern: "^[0-9]+$" }), Type.Unknown(), {
      default: {},
      description: "Per-camera overrides of `defaults` (deep-merged), by camera id.",
    }),
  },
  { additionalProperties: false },
);
export type AnalyticsConfig = Static<typeof AnalyticsConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function check<T>(schema: TSchema, value: unknown, where: string): T {
  if (!Value.Check(schema, value)) {
    const e = [...Value.Errors(schema, value)][0];
    throw new ConfigError(`${where}${e?.instancePath ?? ""}: ${e?.message ?? "invalid"}`);
  }
  return value as T;
}

/** Validates analytics configuration and fills defaults; names the bad key. */
export function parseAnalyticsConfig(input: unknown = {}): AnalyticsConfig {
  const withDefaults = Value.Default(AnalyticsConfigSchema, structuredClone(input ?? {}));
  const cfg = check<AnalyticsConfig>(AnalyticsConfigSchema, withDefaults, "analytics");
  resolveCameraRules(cfg.defaults, {}, "analytics.defaults");
  for (const [id, o] of Object.entries(cfg.cameras))
    resolveCameraRules(cfg.defaults, o, `analytics.cameras.${id}`);
  return cfg;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key; arrays and scalars of `over` replace. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = v === undefined ? out[k] : deepMerge(out[k], v);
  return out as T;
}

/** A camera's effective rules: defaults deep-merged with its overrides, validated. */
export function resolveCameraRules(defaults: CameraRules, overrides: unknown, where = "camera"): CameraRules {
  const merged = Value.Default(CameraRulesSchema, deepMerge(structuredClone(defaults), overrides ?? {}));
  const rules = check<CameraRules>(CameraRulesSchema, merged, where);
  const names = new Set(rules.zones.map((z) => z.name));
  for (const c of CHECKS) {
    const chk = rules.checks[c];
    if (chk.persistence.k > chk.persistence.n)
      throw new ConfigError(`${where}.checks.${c}.persistence: k must be <= n`);
    for (const z of chk.zones)
      if (!names.has(z)) throw new ConfigError(`${where}.checks.${c}.zones: no zone named '${z}'`);
  }
  return rules;
}
