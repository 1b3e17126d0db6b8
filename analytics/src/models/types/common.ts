/**
 * What every model type shares: letterbox (or stretch) into the input and pack as the card says, map
 * detections back to the frame, pick an output of a run.
 */
import type { Detection } from "../../post/detection.js";
import { OutputShapeError } from "../../post/yolo.decoder.js";
import { type Letterbox, letterbox, stretch, unletterboxRect } from "../../pre/letterbox.js";
import { fillNchw, packHwc, packHwcToNchw, packRowToNchw } from "../../pre/tensor.js";
import type { ModelCard } from "../card.js";
import {
  type RawImage,
  resizeLinearRows,
  SMALL_IMAGE_PIXELS,
  toInputPixels,
  toInputPixelsSharp,
} from "../image.adapter.js";

/**
 * The model input of `img` as the card says: letterboxed (or stretched), packed to float. Into `into` when
 * given (its length must be the input's), else a new array. Small images (crops) are resized and packed
 * a row at a time, without an intermediate image; whole frames are resized by sharp.
 */
export async function prepare(
  img: RawImage,
  card: ModelCard,
  into?: Float32Array,
): Promise<{ tensor: Float32Array; dims: number[]; lb: Letterbox }> {
  const { width, height } = card.input;
  const lb =
    card.input.letterbox === false
      ? stretch(img.width, img.height, width, height)
      : letterbox(img.width, img.height, width, height);
  const [lo, hi] = card.input.range ?? [0, 1];
  const scale = (hi - lo) / 255;
  const opts = {
    scale,
    bgr: card.input.channels === "BGR",
    ...(card.input.mean ? { mean: card.input.mean } : lo !== 0 ? { mean: [-lo, -lo, -lo] } : {}),
    ...(card.input.std ? { std: card.input.std } : {}),
  };
  if (card.input.layout === "NHWC") {
    const px = await toInputPixels(img, lb);
    return { tensor: packHwc(px, opts), dims: [1, height, width, 3], lb };
  }
  const size = 3 * width * height;
  if (into && into.length !== size)
    throw new RangeError(`input tensor of ${into.length} values, the model takes ${size}`);
  const tensor = into ?? new Float32Array(size);
  if (img.width * img.height > SMALL_IMAGE_PIXELS) {
    packHwcToNchw(await toInputPixelsSharp(img, lb), width, height, 3, opts, tensor);
  } else {
    // The bars first (grey 114, as sharp's extend), then the resized image's rows inside them.
    if (lb.width !== width || lb.height !== height) fillNchw(114, width, height, 3, opts, tensor);
    resizeLinearRows(img, lb.width, lb.height, (y, row) =>
      packRowToNchw(row, lb.padX, lb.padY + y, width, height, 3, opts, tensor),
    );
  }
  return { tensor, dims: [1, 3, height, width], lb };
}

/**
 * A model's input tensors, kept from run to run instead of allocated for each (a frame's MoveNet inputs
 * and CenterNet's alone were ~3 MB of typed arrays a frame, and their churn drove V8's full collections).
 * `use` lends a tensor of `size` values for the time of `f` (prepare → run): a use that overlaps
 * another of the same size gets a new one, so no run ever reads a tensor being packed for another.
 */
export class InputTensors {
  private readonly free = new Map<number, Float32Array>();

  async use<T>(size: number, f: (tensor: Float32Array) => Promise<T>): Promise<T> {
    const tensor = this.free.get(size) ?? new Float32Array(size);
    this.free.delete(size);
    try {
      return await f(tensor);
    } finally {
      // Batches vary in size: keep a handful of sizes at most.
      if (this.free.size >= 8) this.free.clear();
      this.free.set(size, tensor);
    }
  }
}

/** The number of values of the card's input for a batch of `n` (NCHW or NHWC alike). */
export function inputSize(card: ModelCard, n = 1): number {
  return n * 3 * card.input.width * card.input.height;
}

export function toFrame(dets: Detection[], lb: Letterbox, img: RawImage): Detection[] {
  return dets.map((d) => ({
    ...unletterboxRect(lb, d, img.width, img.height),
    score: d.score,
    classId: d.classId,
  }));
}

export function output(
  out: Record<string, { data: Float32Array; dims: readonly number[] }>,
  card: ModelCard,
  i = 0,
) {
  const o = card.outputs[i];
  const t = o && out[o.name];
  if (!t) throw new OutputShapeError(`model ${card.name}: output ${i} missing`);
  return t;
}
