// Runs a TensorFlow.js graph model from @vladmandic/human with tfjs's pure-JS CPU backend: the reference
// the converted ONNX models are compared with (models/parity.test.ts, models/tools/build.mjs).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { loadGraphModel } from "@tensorflow/tfjs-converter";

const require = createRequire(import.meta.url);

/** Folder of the TF.js graph models shipped by the npm package @vladmandic/human. */
export const humanModelsDir = (() => {
  // The package exports no ./package.json; its main entry lives in dist/.
  const main = require.resolve("@vladmandic/human");
  return join(dirname(main), "..", "models");
})();

let ready;
async function init() {
  ready ??= (async () => {
    await tf.setBackend("cpu");
    await tf.ready();
  })();
  return ready;
}

/**
 * Loads `<name>.json` and its weight shards from disk (no fetch, no network). `resize` runs the graph at
 * another input size: the input's declared shape becomes [1, height, width, 3] and the named size-bound
 * constants (upsampling sizes, reshapes) take the given values — the same rewrite the converter makes.
 */
export async function loadTfjsModel(name, dir = humanModelsDir, resize = undefined) {
  await init();
  const json = JSON.parse(await readFile(join(dir, `${name}.json`), "utf8"));
  let specs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readFile(join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  let weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  if (resize) {
    const dims = [1, resize.height, resize.width, 3].map((v) => ({ size: String(v) }));
    for (const n of json.modelTopology.node)
      if (n.op === "Placeholder" && n.attr?.shape?.shape) n.attr.shape.shape.dim = dims;
    for (const input of Object.values(json.signature?.inputs ?? {})) input.tensorShape = { dim: dims };
    const tensors = tf.io.decodeWeights(weightData, specs);
    for (const [k, v] of Object.entries(resize.consts)) {
      const old = tensors[k];
      if (!old) throw new Error(`${name}: no constant ${k} to resize`);
      tensors[k] = tf.tensor(v, Array.isArray(v) ? undefined : old.shape, old.dtype); // a grid may change size
      old.dispose();
    }
    const encoded = await tf.io.encodeWeights(tensors);
    tf.dispose(Object.values(tensors));
    specs = encoded.specs;
    weightData = encoded.data;
  }
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
  });
  return loadGraphModel(handler);
}

/**
 * Executes the graph on one NHWC input and returns the named nodes as {data, shape}.
 * @param {import("@tensorflow/tfjs-converter").GraphModel} model
 * @param {Float32Array|Int32Array} data NHWC input values
 * @param {number[]} shape NHWC shape
 * @param {string[]} outputs node names
 */
export async function runTfjs(model, data, shape, outputs, dtype = "float32") {
  const input = tf.tensor(data, shape, dtype);
  const result = model.execute(input, outputs);
  const list = Array.isArray(result) ? result : [result];
  const out = {};
  for (let i = 0; i < outputs.length; i++) {
    out[outputs[i]] = { data: await list[i].data(), shape: list[i].shape };
  }
  tf.dispose([input, ...list]);
  return out;
}
