import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { meanColourClassifier, yoloShapedModel } from "../testing/onnx-builder.js";
import { type Classifier, type Detector, loadModel, modelTypes } from "./detector.registry.js";
import { BadInputError, decodeJpeg } from "./image.adapter.js";

const dir = mkdtempSync(path.join(tmpdir(), "mingfang-models-"));
writeFileSync(path.join(dir, "yolo.onnx"), yoloShapedModel());
writeFileSync(path.join(dir, "yolo5.onnx"), yoloShapedModel(64, 16, "yolov5"));
writeFileSync(path.join(dir, "cls.onnx"), meanColourClassifier());
writeFileSync(path.join(dir, "junk.onnx"), "this is not a model at all, just text ".repeat(10));
writeFileSync(
  path.join(dir, "card.json"),
  JSON.stringify({
    name: "cls",
    task: "classifier",
    file: "cls.onnx",
    input: { width: 32, height: 32, letterbox: false },
    outputs: [{ name: "probs", shape: [1, 2], layout: "probabilities" }],
    classes: ["bare", "gloved"],
  }),
);
writeFileSync(
  path.join(dir, "wrong-card.json"),
  JSON.stringify({
    name: "cls",
    task: "classifier",
    file: "cls.onnx",
    input: { width: 32, height: 32, letterbox: false },
    outputs: [{ name: "probs", shape: [1, 3], layout: "probabilities" }],
    classes: ["a", "b", "c"],
  }),
);

const loaded: { release(): Promise<void> }[] = [];
afterAll(async () => {
  for (const m of loaded) await m.release();
});

async function frameJpeg(
  w: number,
  h: number,
  squares: { x: number; y: number; s: number; rgb: [number, number, number] }[],
) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="black"/>${squares
    .map((q) => `<rect x="${q.x}" y="${q.y}" width="${q.s}" height="${q.s}" fill="rgb(${q.rgb.join(",")})"/>`)
    .join("")}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 95 }).toBuffer();
}

describe("model registry and sessions (real ONNX Runtime)", () => {
  it("knows the built-in types", () => {
    expect(modelTypes()).toEqual(
      expect.arrayContaining([
        "yolov8",
        "yolo11",
        "yolov5",
        "centernet",
        "blazeface",
        "movenet",
        "probabilities",
      ]),
    );
  });

  it("runs a card-less YOLOv8 export and maps boxes back through the letterbox", async () => {
    const m = (await loadModel(
      "custom",
      { path: "yolo.onnx", type: "yolov8", classes: ["head", "hat", "glove"], inputSize: 64, score: 0.5 },
      dir,
    )) as Detector;
    loaded.push(m);
    // 128×64 frame → letterboxed into 64² at scale 0.5, 16 px bars top and bottom. A red square covering
    // the input cell (1, 1) = input pixels 16..32 = frame x 32..64, y 0..32.
    const img = await decodeJpeg(await frameJpeg(128, 64, [{ x: 32, y: 0, s: 32, rgb: [255, 0, 0] }]));
    const dets = await m.detect(img);
    expect(dets).toHaveLength(1);
    expect(dets[0]?.classId).toBe(0);
    expect(dets[0]?.x1).toBeCloseTo(32, 0);
    expect(dets[0]?.x2).toBeCloseTo(64, 0);
    expect(dets[0]?.y1).toBeCloseTo(0, 0);
    expect(dets[0]?.y2).toBeCloseTo(32, 0);
  });

  it("runs a YOLOv5 export ([1, A, 5 + C], objectness × class score)", async () => {
    const m = (await loadModel(
      "v5",
      { path: "yolo5.onnx", type: "yolov5", classes: ["head", "hat", "glove"], inputSize: 64, score: 0.5 },
      dir,
    )) as Detector;
    loaded.push(m);
    const img = await decodeJpeg(await frameJpeg(128, 64, [{ x: 32, y: 0, s: 32, rgb: [0, 255, 0] }]));
    const dets = await m.detect(img);
    expect(dets).toHaveLength(1);
    expect(dets[0]?.classId).toBe(1);
    expect(dets[0]?.score).toBeGreaterThan(0.9);
    expect(dets[0]?.x1).toBeCloseTo(32, 0);
  });

  it("classifies with a card", async () => {
    const m = (await loadModel("glove", { path: "cls.onnx" }, dir)) as Classifier;
    loaded.push(m);
    const blue = await decodeJpeg(await frameJpeg(40, 40, [{ x: 0, y: 0, s: 40, rgb: [30, 60, 220] }]));
    const skin = await decodeJpeg(await frameJpeg(40, 40, [{ x: 0, y: 0, s: 40, rgb: [220, 160, 120] }]));
    expect((await m.classify(blue))[1]).toBeGreaterThan(0.9);
    expect((await m.classify(skin))[0]).toBeGreaterThan(0.9);
  });

  it("refuses a file that is not ONNX, and a model whose outputs do not match its card", async () => {
    await expect(loadModel("junk", { path: "junk.onnx", card: "card.json" }, dir)).rejects.toThrow(
      /is not an ONNX model/,
    );
    await expect(loadModel("cls", { path: "cls.onnx", card: "wrong-card.json" }, dir)).rejects.toThrow(
      /output 'probs' has shape \[1, 2\], its card says \[1, 3\]/,
    );
    await expect(
      loadModel("x", { path: "missing.onnx", type: "yolov8", classes: ["a"] }, dir),
    ).rejects.toThrow(/cannot read/);
    await expect(
      loadModel("x", { path: "yolo.onnx", type: "yolov8", classes: ["a", "b"], inputSize: 64 }, dir),
    ).rejects.toThrow(/output 'output0' has shape \[1, 7, 16\], its card says \[1, 6, -1\]/);
  });

  it("refuses empty, non-JPEG, truncated and corrupt frames with a reason", async () => {
    const good = await frameJpeg(64, 48, []);
    await expect(decodeJpeg(new Uint8Array())).rejects.toMatchObject({ reason: "empty" });
    await expect(decodeJpeg(Buffer.from("GIF89a........................"))).rejects.toMatchObject({
      reason: "not_jpeg",
    });
    await expect(decodeJpeg(good.subarray(0, good.length >> 1))).rejects.toMatchObject({
      reason: "truncated",
    });
    const corrupt = Buffer.from(good);
    corrupt.fill(0x00, 2, corrupt.length - 2); // markers gone, EOI kept
    await expect(decodeJpeg(corrupt)).rejects.toBeInstanceOf(BadInputError);
    expect((await decodeJpeg(good)).width).toBe(64);
  });
});
