/**
 * Detectors behind one interface, built by a registry (as Frigate's detector plugins): a type name →
 * a factory that wraps a checked, warmed-up ONNX session with the right pre- and post-processing.
 * The type is the layout of the model's first output (from its card), or given in configuration for a
 * user's own YOLO export. New model families register here; nothing else changes.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { decodeBoxList } from "../post/centernet.decoder.js";
import type { Detection } from "../post/detection.js";
import { nms } from "../post/nms.js";
import { decodeYolo, OutputShapeError, type YoloLayout } from "../post/yolo.decoder.js";
import { type Letterbox, letterbox, stretch, unletterboxRect } from "../pre/letterbox.js";
import { packHwc, packHwcToNchw } from "../pre/tensor.js";
import { type ModelCard, ModelError, parseCard, yoloCard } from "./card.js";
import { type RawImage, toInputPixels } from "./image.adapter.js";
import { type ModelSession, openSession } from "./session.adapter.js";

export interface Keypoint {
  name: string;
  /** Frame pixels. */
  x: number;
  y: number;
  score: number;
}

interface Handle {
  readonly name: string;
  readonly card: ModelCard;
  release(): Promise<void>;
}
export interface Detector extends Handle {
  readonly kind: "detector";
  /** Detections in the pixels of `img`, after NMS, at or above the score threshold. */
  detect(img: RawImage, opts?: { score?: number }): Promise<Detection[]>;
}
export interface KeypointModel extends Handle {
  readonly kind: "keypoints";
  keypoints(img: RawImage): Promise<Keypoint[]>;
}
export interface Classifier extends Handle {
  readonly kind: "classifier";
  /** Probabilities per class of the card (summing to 1). */
  classify(img: RawImage): Promise<number[]>;
  /**
   * The same for several images: one session run when the model's batch dimension is free, else one run
   * each. Results in the order of `imgs`.
   */
  classifyMany(imgs: RawImage[]): Promise<number[][]>;
}
export type Model = Detector | KeypointModel | Classifier;

/** A model in configuration. */
export interface ModelEntry {
  /** The ONNX file (relative paths: to the models directory). */
  path: string;
  /** The card (default: card.json beside the ONNX file). Not needed for a YOLO export with `classes`. */
  card?: string;
  /** Override the type (default: the layout of the card's first output). */
  type?: string;
  /** For a card-less YOLO export: class names in output order, input size, thresholds. */
  classes?: string[];
  inputSize?: number;
  score?: number;
  iou?: number;
}

export interface FactoryContext {
  name: string;
  card: ModelCard;
  session: ModelSession;
}
export type ModelFactory = (ctx: FactoryContext) => Model;

const FACTORIES = new Map<string, ModelFactory>();

export function registerModelType(type: string, factory: ModelFactory): void {
  FACTORIES.set(type, factory);
}
export function modelTypes(): string[] {
  return [...FACTORIES.keys()].sort();
}

/** Loads one model: card, session (checked, warmed up), wrapped by its type's factory. */
export async function loadModel(name: string, entry: ModelEntry, modelsDir: string): Promise<Model> {
  const file = path.resolve(modelsDir, entry.path);
  let card: ModelCard;
  const yoloType = entry.type && ["yolov5", "yolov8", "yolo11"].includes(entry.type);
  if (entry.classes && yoloType) {
    card = yoloCard({
      name,
      file: path.basename(file),
      layout: entry.type as YoloLayout,
      inputSize: entry.inputSize ?? 640,
      classes: entry.classes,
      ...(entry.score !== undefined ? { score: entry.score } : {}),
      ...(entry.iou !== undefined ? { iou: entry.iou } : {}),
    });
  } else {
    const cardFile = path.resolve(modelsDir, entry.card ?? path.join(path.dirname(entry.path), "card.json"));
    let json: unknown;
    try {
      json = JSON.parse(await readFile(cardFile, "utf8"));
    } catch (err) {
      throw new ModelError(`model ${name}: cannot read its card ${cardFile}: ${(err as Error).message}`);
    }
    card = parseCard(json, cardFile);
    // Configuration may tighten or loosen the card's default thresholds.
    if (entry.score !== undefined || entry.iou !== undefined) {
      card = {
        ...card,
        thresholds: {
          score: entry.score ?? card.thresholds?.score ?? 0.5,
          ...((entry.iou ?? card.thresholds?.iou) !== undefined
            ? { iou: (entry.iou ?? card.thresholds?.iou) as number }
            : {}),
        },
      };
    }
  }
  const type = entry.type ?? card.outputs[0]?.layout ?? "";
  const factory = FACTORIES.get(type);
  if (!factory)
    throw new ModelError(`model ${name}: unknown type '${type}' (known: ${modelTypes().join(", ")})`);
  const session = await openSession(file, card);
  try {
    return factory({ name, card, session });
  } catch (err) {
    await session.release();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Shared pre-processing: letterbox (or stretch) into the input, pack as the card says.

export async function prepare(
  img: RawImage,
  card: ModelCard,
): Promise<{ tensor: Float32Array; dims: number[]; lb: Letterbox }> {
  const { width, height } = card.input;
  const lb =
    card.input.letterbox === false
      ? stretch(img.width, img.height, width, height)
      : letterbox(img.width, img.height, width, height);
  const px = await toInputPixels(img, lb);
  const [lo, hi] = card.input.range ?? [0, 1];
  const scale = (hi - lo) / 255;
  const opts = {
    scale,
    bgr: card.input.channels === "BGR",
    ...(card.input.mean ? { mean: card.input.mean } : lo !== 0 ? { mean: [-lo, -lo, -lo] } : {}),
    ...(card.input.std ? { std: card.input.std } : {}),
  };
  if (card.input.layout === "NHWC") return { tensor: packHwc(px, opts), dims: [1, height, width, 3], lb };
  return { tensor: packHwcToNchw(px, width, height, 3, opts), dims: [1, 3, height, width], lb };
}

function toFrame(dets: Detection[], lb: Letterbox, img: RawImage): Detection[] {
  return dets.map((d) => ({
    ...unletterboxRect(lb, d, img.width, img.height),
    score: d.score,
    classId: d.classId,
  }));
}

function output(
  out: Record<string, { data: Float32Array; dims: readonly number[] }>,
  card: ModelCard,
  i = 0,
) {
  const o = card.outputs[i];
  const t = o && out[o.name];
  if (!t) throw new OutputShapeError(`model ${card.name}: output ${i} missing`);
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// The built-in types.

function yolo(layout: YoloLayout): ModelFactory {
  return ({ name, card, session }) => ({
    kind: "detector",
    name,
    card,
    release: () => session.release(),
    async detect(img, opts) {
      const { tensor, dims, lb } = await prepare(img, card);
      const out = output(await session.run(tensor, dims), card);
      const dets = decodeYolo(out.data, out.dims, {
        layout,
        numClasses: card.classes.length,
        scoreThreshold: opts?.score ?? card.thresholds?.score ?? 0.25,
      });
      return toFrame(nms(dets, { iouThreshold: card.thresholds?.iou ?? 0.45, maxDetections: 300 }), lb, img);
    },
  });
}
registerModelType("yolov5", yolo("yolov5"));
registerModelType("yolov8", yolo("yolov8"));
registerModelType("yolo11", yolo("yolo11"));

/** CenterNet as converted here (models/centernet): the graph's own decoded box list `detections` [1, 100, 6]. */
registerModelType("centernet", ({ name, card, session }) => {
  const listIndex = Math.max(
    0,
    card.outputs.findIndex((o) => o.shape.length === 3 && o.shape[2] === 6),
  );
  return {
    kind: "detector",
    name,
    card,
    release: () => session.release(),
    async detect(img, opts) {
      const { tensor, dims, lb } = await prepare(img, card);
      const list = card.outputs[listIndex]?.name as string;
      const out = output(await session.run(tensor, dims, [list]), card, listIndex);
      const dets = decodeBoxList(out.data, out.dims, {
        inputWidth: card.input.width,
        inputHeight: card.input.height,
        scoreThreshold: opts?.score ?? card.thresholds?.score ?? 0.3,
      });
      return toFrame(nms(dets, { iouThreshold: card.thresholds?.iou ?? 0.4 }), lb, img);
    },
  };
});

/** BlazeFace as converted here: boxes [1, N, 4] (x1, y1, x2, y2 normalised to the input), scores [1, N]. */
registerModelType("blazeface", ({ name, card, session }) => ({
  kind: "detector",
  name,
  card,
  release: () => session.release(),
  async detect(img, opts) {
    const { tensor, dims, lb } = await prepare(img, card);
    const out = await session.run(tensor, dims);
    const boxes = output(out, card, 0);
    const scores = output(out, card, 1);
    const n = scores.data.length;
    if (boxes.data.length !== n * 4)
      throw new OutputShapeError(`model ${name}: ${n} scores but ${boxes.data.length / 4} boxes`);
    const thr = opts?.score ?? card.thresholds?.score ?? 0.5;
    const dets: Detection[] = [];
    for (let i = 0; i < n; i++) {
      const s = scores.data[i] as number;
      if (s < thr) continue;
      const o = i * 4;
      dets.push({
        x1: (boxes.data[o] as number) * card.input.width,
        y1: (boxes.data[o + 1] as number) * card.input.height,
        x2: (boxes.data[o + 2] as number) * card.input.width,
        y2: (boxes.data[o + 3] as number) * card.input.height,
        score: s,
        classId: 0,
      });
    }
    return toFrame(nms(dets, { iouThreshold: card.thresholds?.iou ?? 0.3 }), lb, img);
  },
}));

/** MoveNet single-pose: keypoints [1, 1, K, 3] as y, x, score normalised to the input. */
registerModelType("movenet", ({ name, card, session }) => ({
  kind: "keypoints",
  name,
  card,
  release: () => session.release(),
  async keypoints(img) {
    const { tensor, dims, lb } = await prepare(img, card);
    const out = output(await session.run(tensor, dims), card);
    const k = card.classes.length;
    if (out.data.length !== k * 3)
      throw new OutputShapeError(`model ${name}: expected ${k}×3 keypoint values, got ${out.data.length}`);
    const res: Keypoint[] = [];
    for (let i = 0; i < k; i++) {
      const y = (out.data[i * 3] as number) * card.input.height;
      const x = (out.data[i * 3 + 1] as number) * card.input.width;
      const r = unletterboxRect(lb, { x1: x, y1: y, x2: x, y2: y }, img.width, img.height);
      res.push({ name: card.classes[i] as string, x: r.x1, y: r.y1, score: out.data[i * 3 + 2] as number });
    }
    return res;
  },
}));

function classifier(kind: "probabilities" | "logits" | "sigmoid"): ModelFactory {
  return ({ name, card, session }) => {
    /** Probabilities per class from one image's output values. */
    const probs = (v: number[]): number[] => {
      if (kind === "sigmoid") {
        if (v.length !== 1 || card.classes.length !== 2) {
          throw new OutputShapeError(
            `model ${name}: a sigmoid classifier has one output value and two classes`,
          );
        }
        const p = v[0] as number;
        const q = p >= 0 && p <= 1 ? p : 1 / (1 + Math.exp(-p));
        return [1 - q, q];
      }
      if (v.length !== card.classes.length) {
        throw new OutputShapeError(`model ${name}: ${v.length} outputs for ${card.classes.length} classes`);
      }
      if (kind === "probabilities") return v;
      const m = Math.max(...v);
      const e = v.map((x) => Math.exp(x - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / s);
    };
    const one = async (img: RawImage) => {
      const { tensor, dims } = await prepare(img, card);
      return probs(Array.from(output(await session.run(tensor, dims), card).data));
    };
    return {
      kind: "classifier",
      name,
      card,
      release: () => session.release(),
      classify: one,
      async classifyMany(imgs) {
        if (imgs.length === 0) return [];
        if (imgs.length === 1 || !session.batchable) {
          const res: number[][] = [];
          for (const img of imgs) res.push(await one(img));
          return res;
        }
        // One run for all crops: the per-run overhead is paid once, and the convolutions vectorise
        // over the batch. Same pre-processing per crop as `classify`.
        const prepared = await Promise.all(imgs.map((img) => prepare(img, card)));
        const per = (prepared[0] as { tensor: Float32Array }).tensor.length;
        const batch = new Float32Array(per * imgs.length);
        for (const [i, p] of prepared.entries()) batch.set(p.tensor, i * per);
        const dims = [imgs.length, ...(prepared[0] as { dims: number[] }).dims.slice(1)];
        const out = output(await session.run(batch, dims), card);
        const k = out.data.length / imgs.length;
        if (!Number.isInteger(k) || out.dims[0] !== imgs.length) {
          throw new OutputShapeError(
            `model ${name}: batch of ${imgs.length} gave an output of shape [${out.dims.join(", ")}]`,
          );
        }
        return imgs.map((_, i) => probs(Array.from(out.data.subarray(i * k, (i + 1) * k))));
      },
    };
  };
}
registerModelType("probabilities", classifier("probabilities"));
registerModelType("softmax", classifier("probabilities"));
registerModelType("logits", classifier("logits"));
registerModelType("sigmoid", classifier("sigmoid"));
