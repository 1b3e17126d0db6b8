import { describe, expect, it } from "vitest";
import { letterbox, stretch } from "../../pre/letterbox.js";
import { packHwcToNchw } from "../../pre/tensor.js";
import type { ModelCard } from "../card.js";
import { type RawImage, toInputPixels } from "../image.adapter.js";
import { InputTensors, inputSize, prepare } from "./common.js";

/** A noisy RGB image (every byte value occurs), deterministic. */
function image(width: number, height: number, seed: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 16) & 255;
  }
  return { data, width, height };
}

function card(input: Partial<ModelCard["input"]>): ModelCard {
  return {
    name: "test",
    input: { width: 96, height: 192, layout: "NCHW", channels: "RGB", range: [0, 1], ...input },
    outputs: [],
    classes: [],
  } as unknown as ModelCard;
}

describe("prepare: crops resized and packed a row at a time", () => {
  it("gives the same floats as resizing to an image and packing it (letterboxed, stretched, normalised, BGR)", async () => {
    const cases: [RawImage, ModelCard][] = [
      [image(83, 211, 1), card({})], // a standing person into the tall MoveNet: bars left and right
      [image(150, 120, 2), card({ width: 192, height: 192 })], // a wide one into the square: bars top and bottom
      [image(23, 31, 3), card({ width: 64, height: 64, letterbox: false })], // a hand crop, enlarged
      [
        image(140, 90, 4),
        card({
          width: 64,
          height: 64,
          letterbox: false,
          mean: [0.485, 0.456, 0.406],
          std: [0.229, 0.224, 0.225],
        }),
      ],
      [image(60, 80, 5), card({ width: 64, height: 64, channels: "BGR", range: [-1, 1] })],
    ];
    for (const [img, c] of cases) {
      const { width, height } = c.input;
      const lb =
        c.input.letterbox === false
          ? stretch(img.width, img.height, width, height)
          : letterbox(img.width, img.height, width, height);
      const [lo, hi] = c.input.range ?? [0, 1];
      const opts = {
        scale: (hi - lo) / 255,
        bgr: c.input.channels === "BGR",
        ...(c.input.mean ? { mean: c.input.mean } : lo !== 0 ? { mean: [-lo, -lo, -lo] } : {}),
        ...(c.input.std ? { std: c.input.std } : {}),
      };
      const ref = packHwcToNchw(await toInputPixels(img, lb), width, height, 3, opts);
      // Into a used tensor (stale values must all be overwritten) and into a new one.
      const into = new Float32Array(inputSize(c)).fill(Number.NaN);
      const got = await prepare(img, c, into);
      expect(got.tensor).toBe(into);
      expect(Buffer.from(got.tensor.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
      const fresh = await prepare(img, c);
      expect(Buffer.from(fresh.tensor.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
      expect(got.dims).toEqual([1, 3, height, width]);
    }
    await expect(prepare(image(10, 10, 6), card({}), new Float32Array(5))).rejects.toThrow(/5 values/);
  });

  it("lends a kept tensor to one use at a time: an overlapping use gets its own", async () => {
    const inputs = new InputTensors();
    const seen: Float32Array[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const first = inputs.use(12, async (t) => {
      seen.push(t);
      await held;
    });
    await inputs.use(12, async (t) => {
      seen.push(t);
    });
    release();
    await first;
    expect(seen[0]).not.toBe(seen[1]);
    // Once both are done, a later use gets one of them back instead of a new array.
    await inputs.use(12, async (t) => {
      expect(seen.includes(t)).toBe(true);
    });
  });
});
