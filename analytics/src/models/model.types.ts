/**
 * What a loaded model is (a detector, a keypoint model or a classifier), what configuration says about one,
 * and what a model type provides: a factory that wraps a checked, warmed-up session.
 */
import type { Detection } from "../post/detection.js";
import type { ModelCard } from "./card.js";
import type { RawImage } from "./image.adapter.js";
import type { ModelSession } from "./session.adapter.js";

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

/** One model type: the name a card's output layout (or configuration) gives, and its factory. */
export interface ModelTypeDefinition {
  readonly type: string;
  readonly factory: ModelFactory;
}
