/**
 * Writes small ONNX models from TypeScript (onnx-proto), for tests, the evaluation's synthetic cases and
 * the benchmark: real ONNX files that ONNX Runtime loads and runs, with known behaviour.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// onnx-proto is CommonJS (protobufjs static code).
const { onnx } = require("onnx-proto") as typeof import("onnx-proto");

type Attr = number | number[] | string;

export class OnnxGraph {
  private nodes: import("onnx-proto").onnx.INodeProto[] = [];
  private inits: import("onnx-proto").onnx.ITensorProto[] = [];
  private n = 0;

  constant(dims: number[], values: ArrayLike<number>, type: "float" | "int64" = "float"): string {
    const name = `c${this.n++}`;
    if (type === "int64") {
      this.inits.push({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: Array.from(values),
      });
    } else {
      this.inits.push({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        floatData: Array.from(values),
      });
    }
    return name;
  }

  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? `t${this.n++}`;
    const attribute = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === "string")
        return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
    });
    this.nodes.push({ opType: op, input: inputs, output: [out], attribute, name: `${op}_${this.n++}` });
    return out;
  }

  /** Serialises the graph with one float input and the given float outputs. */
  encode(
    input: { name: string; dims: number[] },
    outputs: { name: string; dims: (number | string)[] }[],
    opset = 13,
  ): Uint8Array {
    const vi = (name: string, dims: (number | string)[]) => ({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: "mingfang-tests",
      opsetImport: [{ domain: "", version: opset }],
      graph: {
        name: "g",
        node: this.nodes,
        initializer: this.inits,
        input: [vi(input.name, input.dims)],
        output: outputs.map((o) => vi(o.name, o.dims)),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/**
 * A YOLOv8-shaped detector on a `size`² input: the image is average-pooled into a grid of `cell`² cells;
 * each cell is one anchor whose box is the cell and whose class scores are the mean R, G, B of the cell
 * (so classes.length must be 3). Paint a red square on black: a class-0 detection there. Output
 * `[1, 4 + 3, (size / cell)²]`, the Ultralytics layout; or YOLOv5's `[1, A, 5 + 3]` with an objectness.
 */
export function yoloShapedModel(size = 64, cell = 16, layout: "yolov8" | "yolov5" = "yolov8"): Uint8Array {
  const g = new OnnxGraph();
  const grid = size / cell;
  const anchors = grid * grid;
  const boxes = new Float32Array(4 * anchors);
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const i = gy * grid + gx;
      boxes[i] = (gx + 0.5) * cell;
      boxes[anchors + i] = (gy + 0.5) * cell;
      boxes[2 * anchors + i] = cell;
      boxes[3 * anchors + i] = cell;
    }
  }
  const pooled = g.node("AveragePool", ["images"], { kernel_shape: [cell, cell], strides: [cell, cell] });
  const scores = g.node("Reshape", [pooled, g.constant([3], [1, 3, anchors], "int64")]);
  if (layout === "yolov5") {
    // [1, A, 5 + C]: boxes, objectness (the brightest channel of the cell), class scores.
    const obj = g.node("ReduceMax", [scores], { axes: [1], keepdims: 1 });
    const rows = g.node("Concat", [g.constant([1, 4, anchors], boxes), obj, scores], { axis: 1 });
    g.node("Transpose", [rows], { perm: [0, 2, 1] }, "output0");
    return g.encode({ name: "images", dims: [1, 3, size, size] }, [
      { name: "output0", dims: [1, anchors, 8] },
    ]);
  }
  g.node("Concat", [g.constant([1, 4, anchors], boxes), scores], { axis: 1 }, "output0");
  return g.encode({ name: "images", dims: [1, 3, size, size] }, [{ name: "output0", dims: [1, 7, anchors] }]);
}

/**
 * A 2-class classifier on a `size`² input: softmax of (mean R, G, B) · W. With the default weights the
 * second class wins when the crop is more blue than red (a blue nitrile glove, for the tests).
 */
export function meanColourClassifier(size = 32, weights: number[] = [4, -4, 0, 0, -4, 4]): Uint8Array {
  const g = new OnnxGraph();
  const mean = g.node("ReduceMean", ["image"], { axes: [2, 3], keepdims: 0 });
  const logits = g.node("MatMul", [mean, g.constant([3, 2], weights)]);
  g.node("Softmax", [logits], { axis: 1 }, "probs");
  return g.encode({ name: "image", dims: [1, 3, size, size] }, [{ name: "probs", dims: [1, 2] }]);
}
