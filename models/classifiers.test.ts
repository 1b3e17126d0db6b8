// The trained crop classifiers (models/glove-classifier, models/hat-classifier, models/mask-classifier): the committed ONNX file
// answers as the PyTorch model that train.py exported (parity-fixture.json, recorded by train.py from
// PyTorch), takes batches, returns probabilities, and matches its card.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { SESSION_OPTIONS } from "./tools/parity.mjs";

const modelsDir = fileURLToPath(new URL(".", import.meta.url));

/** The fixed inputs of train.py's parity_inputs(): ((n*7 + c*13 + y*3 + x*5) % 17) / 16, NCHW. */
function parityInputs(n: number, size: number): Float32Array {
  const out = new Float32Array(n * 3 * size * size);
  let i = 0;
  for (let b = 0; b < n; b++)
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) out[i++] = ((b * 7 + c * 13 + y * 3 + x * 5) % 17) / 16;
  return out;
}

describe.each(["glove-classifier", "hat-classifier", "mask-classifier"])("%s", (name) => {
  const card = JSON.parse(readFileSync(`${modelsDir}${name}/card.json`, "utf8"));
  const fixture = JSON.parse(readFileSync(`${modelsDir}${name}/parity-fixture.json`, "utf8"));

  it("has a card in the shared format", () => {
    expect(card).toMatchObject({
      name,
      task: "classifier",
      file: `${name}.onnx`,
      input: { layout: "NCHW", channels: "RGB", range: [0, 1], letterbox: false },
      outputs: [{ name: "probs", layout: "softmax" }],
    });
    expect(card.classes).toHaveLength(2);
    expect(card.metrics).toBeTypeOf("object");
  });

  it("reproduces the exported PyTorch model within 1e-4, batched, as probabilities", async () => {
    const { width, height } = card.input;
    const session = await ort.InferenceSession.create(`${modelsDir}${name}/${card.file}`, SESSION_OPTIONS);
    const n = fixture.probs.length;
    const result = await session.run({
      image: new ort.Tensor("float32", parityInputs(n, width), [n, 3, height, width]),
    });
    const probs = result.probs;
    expect(probs.dims).toEqual([n, 2]);
    for (let b = 0; b < n; b++) {
      const [p0, p1] = [Number(probs.data[b * 2]), Number(probs.data[b * 2 + 1])];
      expect(p0 + p1).toBeCloseTo(1, 5);
      expect(Math.abs(p0 - fixture.probs[b][0])).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(p1 - fixture.probs[b][1])).toBeLessThanOrEqual(1e-4);
    }
    // one crop alone gives the same answer as inside the batch
    const single = await session.run({
      image: new ort.Tensor("float32", parityInputs(1, width), [1, 3, height, width]),
    });
    expect(Math.abs(Number(single.probs.data[0]) - fixture.probs[0][0])).toBeLessThanOrEqual(1e-4);
    await session.release();
  });
});
