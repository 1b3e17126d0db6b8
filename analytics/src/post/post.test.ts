import { describe, expect, it } from "vitest";
import { decodeBoxList, decodeCenterNet } from "./centernet.decoder.js";
import { iou } from "./detection.js";
import { nms } from "./nms.js";
import { decodeYolo } from "./yolo.decoder.js";

/** Builds a YOLOv8 output [1, 4+C, A] from per-anchor rows [cx, cy, w, h, ...scores]. */
function v8(rows: number[][], transpose = false): { data: Float32Array; dims: number[] } {
  const f = rows[0]?.length ?? 0;
  const a = rows.length;
  const data = new Float32Array(f * a);
  rows.forEach((r, i) => {
    r.forEach((v, j) => {
      data[transpose ? i * f + j : j * a + i] = v;
    });
  });
  return { data, dims: transpose ? [1, a, f] : [1, f, a] };
}

describe("YOLO decoders", () => {
  it("decodes the YOLOv8/11 layout [1, 4+C, A] into corner boxes with the best class", () => {
    const { data, dims } = v8([
      [100, 50, 20, 10, 0.1, 0.9],
      [10, 10, 4, 4, 0.2, 0.3],
      [300, 200, 40, 60, 0.7, 0.2],
    ]);
    const dets = decodeYolo(data, dims, { layout: "yolov8", numClasses: 2, scoreThreshold: 0.5 });
    expect(dets).toEqual([
      { x1: 90, y1: 45, x2: 110, y2: 55, score: Math.fround(0.9), classId: 1 },
      { x1: 280, y1: 170, x2: 320, y2: 230, score: Math.fround(0.7), classId: 0 },
    ]);
  });
  it("accepts the transposed export [1, A, 4+C] and restricts to chosen classes", () => {
    const { data, dims } = v8([[100, 50, 20, 10, 0.6, 0.9]], true);
    const dets = decodeYolo(data, dims, {
      layout: "yolo11",
      numClasses: 2,
      scoreThreshold: 0.5,
      classes: [0],
    });
    expect(dets).toHaveLength(1);
    expect(dets[0]?.classId).toBe(0);
  });
  it("decodes YOLOv5 [1, A, 5+C] with objectness × class score", () => {
    const data = Float32Array.from([50, 50, 10, 10, 0.9, 0.1, 0.8, 50, 50, 10, 10, 0.3, 0.9, 0.9]);
    const dets = decodeYolo(data, [1, 2, 7], { layout: "yolov5", numClasses: 2, scoreThreshold: 0.5 });
    expect(dets).toHaveLength(1);
    expect(dets[0]?.classId).toBe(1);
    expect(dets[0]?.score).toBeCloseTo(0.72, 5);
  });
  it("names the mismatch when the output does not match the card", () => {
    const { data, dims } = v8([[1, 1, 1, 1, 0.1, 0.2, 0.3]]);
    expect(() => decodeYolo(data, dims, { layout: "yolov8", numClasses: 2, scoreThreshold: 0.5 })).toThrow(
      /does not hold 4 \+ 2 classes/,
    );
    expect(() => decodeYolo(data, [7], { layout: "yolov5", numClasses: 2, scoreThreshold: 0.5 })).toThrow(
      /expected an output of shape/,
    );
  });
});

describe("CenterNet decoder", () => {
  it("finds heatmap peaks, applies offset and size, in both NCHW and NHWC", () => {
    // 1 class, 4×4 grid on a 32×32 input (stride 8). A peak at (x=2, y=1) with a weaker neighbour.
    const hm = new Float32Array(16);
    hm[1 * 4 + 2] = 0.9;
    hm[1 * 4 + 3] = 0.6; // neighbour of the peak: suppressed by the 3×3 max
    hm[3 * 4 + 0] = 0.7; // a second, separate peak
    const wh = new Float32Array(32);
    const off = new Float32Array(32);
    wh[1 * 4 + 2] = 2; // w in cells
    wh[16 + 1 * 4 + 2] = 3; // h in cells
    off[1 * 4 + 2] = 0.5;
    off[16 + 1 * 4 + 2] = 0.25;
    const nchw = decodeCenterNet(
      {
        heatmap: { data: hm, dims: [1, 1, 4, 4] },
        wh: { data: wh, dims: [1, 2, 4, 4] },
        offset: { data: off, dims: [1, 2, 4, 4] },
      },
      { layout: "nchw", inputWidth: 32, inputHeight: 32, scoreThreshold: 0.5 },
    );
    expect(nchw).toHaveLength(2);
    expect(nchw[0]).toMatchObject({ x1: 12, y1: -2, x2: 28, y2: 22, classId: 0 });
    // The same tensors in NHWC.
    const toNhwc = (t: Float32Array, c: number) => {
      const o = new Float32Array(t.length);
      for (let ch = 0; ch < c; ch++) for (let i = 0; i < 16; i++) o[i * c + ch] = t[ch * 16 + i] as number;
      return o;
    };
    const nhwc = decodeCenterNet(
      {
        heatmap: { data: hm, dims: [1, 4, 4, 1] },
        wh: { data: toNhwc(wh, 2), dims: [1, 4, 4, 2] },
        offset: { data: toNhwc(off, 2), dims: [1, 4, 4, 2] },
      },
      { layout: "nhwc", inputWidth: 32, inputHeight: 32, scoreThreshold: 0.5 },
    );
    expect(nhwc).toEqual(nchw);
  });
  it("applies a sigmoid to logits and rejects a wh grid of the wrong size", () => {
    const hm = Float32Array.from([3, -3, -3, -3]);
    const wh = new Float32Array(8).fill(1);
    const dets = decodeCenterNet(
      { heatmap: { data: hm, dims: [1, 1, 2, 2] }, wh: { data: wh, dims: [1, 2, 2, 2] } },
      { layout: "nchw", inputWidth: 8, inputHeight: 8, scoreThreshold: 0.5, heatmapLogits: true },
    );
    expect(dets).toHaveLength(1);
    expect(dets[0]?.score).toBeCloseTo(1 / (1 + Math.exp(-3)));
    expect(() =>
      decodeCenterNet(
        { heatmap: { data: hm, dims: [1, 1, 2, 2] }, wh: { data: new Float32Array(18), dims: [1, 2, 3, 3] } },
        { layout: "nchw", inputWidth: 8, inputHeight: 8, scoreThreshold: 0.5 },
      ),
    ).toThrow(/2 channels on the 2×2 grid/);
  });
  it("decodes a box list [1, N, 6] with normalised corners", () => {
    const dets = decodeBoxList(
      Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.8, 0, 0, 0, 1, 1, 0.1, 2]),
      [1, 2, 6],
      {
        inputWidth: 100,
        inputHeight: 200,
        scoreThreshold: 0.5,
        normalised: true,
      },
    );
    expect(dets).toHaveLength(1);
    expect(dets[0]?.x2).toBeCloseTo(30);
    expect(dets[0]?.y2).toBeCloseTo(80);
  });
});

describe("non-maximum suppression", () => {
  const a = { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9, classId: 0 };
  const b = { x1: 1, y1: 1, x2: 11, y2: 11, score: 0.8, classId: 0 };
  const c = { x1: 1, y1: 0, x2: 11, y2: 10, score: 0.85, classId: 1 };
  const d = { x1: 50, y1: 50, x2: 60, y2: 60, score: 0.5, classId: 0 };
  it("computes IoU", () => {
    expect(iou(a, a)).toBe(1);
    expect(iou(a, d)).toBe(0);
    expect(iou(a, b)).toBeCloseTo(81 / 119);
  });
  it("suppresses overlaps within a class only", () => {
    expect(nms([b, d, a, c], { iouThreshold: 0.5 })).toEqual([a, c, d]);
  });
  it("suppresses across classes when agnostic, and caps the count", () => {
    expect(nms([b, d, a, c], { iouThreshold: 0.5, agnostic: true })).toEqual([a, d]);
    expect(nms([b, d, a, c], { iouThreshold: 0.5, maxDetections: 1 })).toEqual([a]);
  });
});
