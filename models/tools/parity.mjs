// Parity of a converted model with its TF.js original: the same fixed pixels through both, outputs compared.
import ort from "onnxruntime-node";
import {
  decodeBlazefaceReference,
  fixedPixels,
  inputDims,
  nhwcToNchw,
  tfjsInput,
  toNchw,
} from "./catalogue.mjs";
import { loadTfjsModel, runTfjs } from "./tfjs-reference.mjs";

/** One thread, no spinning: the settings the worker uses on this 2-core machine. */
export const SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
};

export function openSession(file) {
  return ort.InferenceSession.create(file, SESSION_OPTIONS);
}

/** Runs the model on an NCHW input of `width`×`height` (square when `height` is omitted). */
export async function runOnnx(session, input, width, height = width) {
  const result = await session.run({ image: new ort.Tensor("float32", input, [1, 3, height, width]) });
  const out = {};
  for (const [k, v] of Object.entries(result)) out[k] = { data: Float32Array.from(v.data), shape: v.dims };
  return out;
}

/** How the TF.js original must be rewritten to run at the entry's input size (undefined: as shipped). */
export function tfjsResize(entry) {
  const { width, height } = inputDims(entry);
  if (!entry.sizeConsts) return undefined;
  return { width, height, consts: entry.sizeConsts(width, height) };
}

/** The original's outputs for the pixels, in the ONNX model's output names and layouts (NCHW). */
export async function referenceOutputs(entry, px, model) {
  const { width, height } = inputDims(entry);
  const tfModel = model ?? (await loadTfjsModel(entry.tfjs, undefined, tfjsResize(entry)));
  const shape = [1, height, width, 3];
  const input = tfjsInput(px, entry.preprocess);
  if (entry.post === "blazeface") {
    const heads = await runTfjs(tfModel, input, shape, [
      "Identity",
      "Identity_1",
      "Identity_2",
      "Identity_3",
    ]);
    return decodeBlazefaceReference(heads, entry.size);
  }
  const names = entry.outputs.map((o) => o.tf);
  const raw = await runTfjs(tfModel, input, shape, names, entry.tfjsInputDtype);
  const out = {};
  for (const o of entry.outputs) {
    const r = raw[o.tf];
    out[o.name] =
      r.shape.length === 4 && o.shape[1] !== r.shape[1]
        ? nhwcToNchw(r.data, r.shape)
        : Float32Array.from(r.data);
  }
  return out;
}

/**
 * Largest difference between reference and converted outputs, per output. Coordinates in pixels (CenterNet's
 * wh and detections) are compared relative to their magnitude: |a-b| / max(1, |b|).
 */
export function compareOutputs(reference, converted) {
  const diffs = {};
  for (const [name, ref] of Object.entries(reference)) {
    const got = converted[name]?.data;
    if (!got) throw new Error(`converted model has no output ${name}`);
    if (got.length !== ref.length)
      throw new Error(`${name}: ${got.length} values, reference has ${ref.length}`);
    let max = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(got[i] - ref[i]) / Math.max(1, Math.abs(ref[i]));
      if (!(d <= max)) max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
    }
    diffs[name] = max;
  }
  return diffs;
}

/** Runs both on `seeds` fixed patterns; returns the worst difference per output. */
export async function measureParity(entry, onnxFile, seeds = [1, 2]) {
  const { width, height } = inputDims(entry);
  const session = await openSession(onnxFile);
  const tfModel = await loadTfjsModel(entry.tfjs, undefined, tfjsResize(entry));
  const worst = {};
  for (const seed of seeds) {
    const px = fixedPixels(width, seed, height);
    const ref = await referenceOutputs(entry, px, tfModel);
    const got = await runOnnx(session, toNchw(px, width, height), width, height);
    for (const [k, v] of Object.entries(compareOutputs(ref, got))) worst[k] = Math.max(worst[k] ?? 0, v);
  }
  await session.release();
  tfModel.dispose();
  return worst;
}

/** Median ms per run, one intra-op thread, after warm-up. */
export async function measureSpeed(file, size, runs = 20, height = size) {
  const session = await openSession(file);
  const input = toNchw(fixedPixels(size, 7, height), size, height);
  for (let i = 0; i < 3; i++) await runOnnx(session, input, size, height);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await runOnnx(session, input, size, height);
    times.push(performance.now() - t0);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return {
    min: times[0],
    median: times[Math.floor(times.length / 2)],
    p90: times[Math.floor(times.length * 0.9)],
  };
}
