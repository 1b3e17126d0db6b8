/**
 * Classifiers of crops: one output of class values per image, read as probabilities, logits (softmax
 * here) or one sigmoid value for two classes. Several crops go through in one run when the batch
 * dimension is free.
 */
import { OutputShapeError } from "../../post/yolo.decoder.js";
import type { ModelCard } from "../card.js";
import type { RawImage } from "../image.adapter.js";
import type { ModelFactory, ModelTypeDefinition } from "../model.types.js";
import type { ModelSession } from "../session.adapter.js";
import { InputTensors, inputSize, output, prepare } from "./common.js";

type OutputKind = "probabilities" | "logits" | "sigmoid";

/** Probabilities per class from one image's output values. */
function probabilities(kind: OutputKind, name: string, card: ModelCard, v: number[]): number[] {
  if (kind === "sigmoid") {
    if (v.length !== 1 || card.classes.length !== 2) {
      throw new OutputShapeError(`model ${name}: a sigmoid classifier has one output value and two classes`);
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
}

/** Each image's output values from one run over all of them (two or more, batch dimension free). */
async function runBatch(
  name: string,
  card: ModelCard,
  session: ModelSession,
  imgs: RawImage[],
  inputs: InputTensors,
) {
  // One run for all crops: the per-run overhead is paid once, and the convolutions vectorise
  // over the batch. Same pre-processing per crop as `classify`, each packed in its place of the batch.
  const per = inputSize(card);
  const out = await inputs.use(per * imgs.length, async (batch) => {
    let dims: number[] = [];
    for (const [i, img] of imgs.entries()) {
      dims = (await prepare(img, card, batch.subarray(i * per, (i + 1) * per))).dims;
    }
    return output(await session.run(batch, [imgs.length, ...dims.slice(1)]), card);
  });
  const k = out.data.length / imgs.length;
  if (!Number.isInteger(k) || out.dims[0] !== imgs.length) {
    throw new OutputShapeError(
      `model ${name}: batch of ${imgs.length} gave an output of shape [${out.dims.join(", ")}]`,
    );
  }
  return imgs.map((_, i) => Array.from(out.data.subarray(i * k, (i + 1) * k)));
}

function classifier(kind: OutputKind): ModelFactory {
  return ({ name, card, session }) => {
    const probs = (v: number[]) => probabilities(kind, name, card, v);
    const inputs = new InputTensors();
    const one = (img: RawImage) =>
      inputs.use(inputSize(card), async (into) => {
        const { tensor, dims } = await prepare(img, card, into);
        return probs(Array.from(output(await session.run(tensor, dims), card).data));
      });
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
        return (await runBatch(name, card, session, imgs, inputs)).map(probs);
      },
    };
  };
}

export const classifierTypes: readonly ModelTypeDefinition[] = [
  { type: "probabilities", factory: classifier("probabilities") },
  { type: "softmax", factory: classifier("probabilities") },
  { type: "logits", factory: classifier("logits") },
  { type: "sigmoid", factory: classifier("sigmoid") },
];
