/**
 * What every model type shares: letterbox (or stretch) into the input and pack as the card says, map
 * detections back to the frame, pick an output of a run.
 */
import type { Detection } from "../../post/detection.js";
import { OutputShapeError } from "../../post/yolo.decoder.js";
import { type Letterbox, letterbox, stretch, unletterboxRect } from "../../pre/letterbox.js";
import { packHwc, packHwcToNchw } from "../../pre/tensor.js";
import type { ModelCard } from "../card.js";
import { type RawImage, toInputPixels } from "../image.adapter.js";

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
