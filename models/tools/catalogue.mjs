// The models that `npm run models:build` converts from the TF.js graphs shipped in @vladmandic/human, with
// what their cards say. One place, read by the build script (models/tools/build.mjs) and the parity test.

/** COCO-80 labels in the order of CenterNet's heatmap channels (as @vladmandic/human's object/labels.ts). */
export const COCO_LABELS = [
  "person",
  "bicycle",
  "car",
  "motorcycle",
  "airplane",
  "bus",
  "train",
  "truck",
  "boat",
  "traffic light",
  "fire hydrant",
  "stop sign",
  "parking meter",
  "bench",
  "bird",
  "cat",
  "dog",
  "horse",
  "sheep",
  "cow",
  "elephant",
  "bear",
  "zebra",
  "giraffe",
  "backpack",
  "umbrella",
  "handbag",
  "tie",
  "suitcase",
  "frisbee",
  "skis",
  "snowboard",
  "sports ball",
  "kite",
  "baseball bat",
  "baseball glove",
  "skateboard",
  "surfboard",
  "tennis racket",
  "bottle",
  "wine glass",
  "cup",
  "fork",
  "knife",
  "spoon",
  "bowl",
  "banana",
  "apple",
  "sandwich",
  "orange",
  "broccoli",
  "carrot",
  "hot dog",
  "pizza",
  "donut",
  "cake",
  "chair",
  "couch",
  "potted plant",
  "bed",
  "dining table",
  "toilet",
  "tv",
  "laptop",
  "mouse",
  "remote",
  "keyboard",
  "cell phone",
  "microwave",
  "oven",
  "toaster",
  "sink",
  "refrigerator",
  "book",
  "clock",
  "vase",
  "scissors",
  "teddy bear",
  "hair drier",
  "toothbrush",
];

/** MoveNet's 17 COCO keypoints, in output order. */
export const MOVENET_KEYPOINTS = [
  "nose",
  "left_eye",
  "right_eye",
  "left_ear",
  "right_ear",
  "left_shoulder",
  "right_shoulder",
  "left_elbow",
  "right_elbow",
  "left_wrist",
  "right_wrist",
  "left_hip",
  "right_hip",
  "left_knee",
  "right_knee",
  "left_ankle",
  "right_ankle",
];

export const BLAZEFACE_LANDMARKS = ["right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear"];

/**
 * Each entry: `tfjs` graph name in @vladmandic/human/models, input size, how the ONNX input (NCHW RGB 0..1)
 * maps onto the graph's input (`preprocess`, reproduced in the parity reference), the tensors exposed.
 */
export const CONVERTED = [
  {
    name: "centernet",
    // 2: HardSwish/HardSigmoid as ONNX ops (same detections, 16 % less CPU); 1: Add/Clip/Mul chains.
    version: "2",
    tfjs: "centernet",
    task: "detector",
    // Trained and shipped at 512×512; any width and height that are multiples of 32 (MobileNetV3's stride)
    // work once the graph's size-bound constants are rewritten (sizeConsts: the converter and the TF.js
    // reference both apply them). 384×288 is 4:3 like the cameras' sub-streams and 42 % of the pixels of
    // 512²: chosen by measurement (models/tools/readme/centernet.md, Accuracy and Speed).
    size: 512,
    width: 384,
    height: 288,
    sizeConsts: (w, h) => ({
      "tower_0/CenternetHead/c5_upsample/up_sampling2d/mul": [h / 16, w / 16],
      "tower_0/CenternetHead/c4_upsample/up_sampling2d_1/mul": [h / 8, w / 8],
      "tower_0/CenternetHead/c3_upsample/up_sampling2d_2/mul": [h / 4, w / 4],
      "tower_0/BatchGather/concat": [(h / 4) * (w / 4), 4], // the wh map as rows of 4, one per cell
      "tower_0/strided_slice_6": w / 4, // the grid width: cell index → x (mod) and y (div)
    }),
    preprocess: "x255",
    tfjsInputDtype: "float32",
    letterbox: false,
    outputs: [
      { tf: "tower_0/keypoints", name: "heatmap", shape: [1, 80, 72, 96], layout: "centernet" },
      { tf: "tower_0/wh", name: "wh", shape: [1, 4, 72, 96], layout: "centernet" },
      // Box corners near 0 are differences of two ~300-pixel values: float32 rounding of the folded hard
      // swish (tfjs_to_onnx.py fuse_hard_activations) moves them by ~1e-4 pixel, which the relative measure
      // reads as 1e-4 of a 1-pixel value. Scores in this output are the heat map's (within 1e-6).
      {
        tf: "tower_0/detections",
        name: "detections",
        shape: [1, 100, 6],
        layout: "centernet",
        tolerance: 3e-4,
      },
    ],
    classes: COCO_LABELS,
    thresholds: { score: 0.3, iou: 0.4 },
    source:
      "npm @vladmandic/human@3.3.6 models/centernet.json (MB3-CenterNet, github.com/610265158/mobilenetv3_centernet, trained on COCO 2017)",
    licence:
      "Packaged under MIT by @vladmandic/human; the upstream model repository states NO licence (all rights reserved by default) — see README.md, Risks",
    accuracy: {
      set: "vtest.avi (opencv-doc) frames 1, 5, 9 of `measure-people.mjs --frames 12`, hand-checked: 18 pedestrians; a detection counts when its box overlaps a pedestrian's at IoU >= 0.5 (one each)",
      input: "384x288",
      threshold: 0.3,
      truePositives: 17,
      falseNegatives: 1,
      falsePositives: 1,
      precision: 0.94,
      recall: 0.94,
      atWorkerDefault: { threshold: 0.4, truePositives: 17, falseNegatives: 1, falsePositives: 0 },
      at045: { threshold: 0.45, truePositives: 16, falseNegatives: 2, falsePositives: 0 },
      at512x512: {
        threshold: 0.3,
        truePositives: 17,
        falseNegatives: 1,
        falsePositives: 6,
        precision: 0.74,
        recall: 0.94,
        at04: { threshold: 0.4, truePositives: 15, falseNegatives: 3, falsePositives: 1 },
        atWorkerDefaultThen: { threshold: 0.45, truePositives: 14, falseNegatives: 4, falsePositives: 0 },
      },
      note: "18 pedestrians is a small sample: read it as 'no loss measured', not as a gain; not field accuracy",
    },
  },
  {
    name: "blazeface",
    tfjs: "blazeface",
    task: "detector",
    size: 256,
    preprocess: "pm1",
    tfjsInputDtype: "float32",
    letterbox: true,
    post: "blazeface",
    outputs: [
      { name: "boxes", shape: [1, 896, 4], layout: "blazeface" },
      { name: "scores", shape: [1, 896], layout: "blazeface" },
      { name: "landmarks", shape: [1, 896, 6, 2], layout: "blazeface" },
    ],
    classes: ["face"],
    thresholds: { score: 0.5, iou: 0.3 },
    source:
      "npm @vladmandic/human@3.3.6 models/blazeface.json (MediaPipe BlazeFace, back-camera 256x256 variant)",
    licence: "Apache-2.0 (MediaPipe / TF Hub); packaged under MIT by @vladmandic/human",
    accuracy: {
      set: "head regions of 872 CenterNet persons in 120 vtest.avi frames (measure-people.mjs --frames 120)",
      faceFoundRate: 0.029,
      note: "surveillance views show few frontal faces; MoveNet located 76% of the same heads",
    },
  },
  {
    name: "movenet-lightning",
    tfjs: "movenet-lightning",
    task: "keypoints",
    size: 192,
    // Fully convolutional up to its decoding, whose constants are bound to the 48×48 grid (stride 4): the
    // three FPN upsampling sizes, the grid's y and x coordinates, the centre weighting 1/(distance + 1.8),
    // the grid width that turns an arg-max index into y and x, and 1/48 that normalises them. At another
    // square size S they are rewritten for S/4 (--size SxS); at 192 nothing is rewritten.
    sizeConsts: (w, h) => {
      if (w === 192 && h === 192) return {};
      const [gh, gw] = [h / 4, w / 4];
      const grid = (f) =>
        Array.from({ length: gh }, (_, y) => Array.from({ length: gw }, (_, x) => [f(y, x)]));
      const fpn = "StatefulPartitionedCall/center_net_mobile_net_v2fpn_feature_extractor/model_1";
      return {
        [`${fpn}/up_sampling2d/mul`]: [gh / 4, gw / 4],
        [`${fpn}/up_sampling2d_1/mul`]: [gh / 2, gw / 2],
        [`${fpn}/up_sampling2d_2/mul`]: [gh, gw],
        "StatefulPartitionedCall/strided_slice_3": grid((y) => y),
        "StatefulPartitionedCall/strided_slice_4": grid((_, x) => x),
        "ConstantFolding/StatefulPartitionedCall/truediv_2_recip": grid(
          (y, x) => 1 / (Math.hypot(y - gh / 2, x - gw / 2) + 1.8),
        ),
        // an arg-max index over the grid → y (floordiv by its width) and x (index − y · width)
        "StatefulPartitionedCall/floordiv/y": gw,
        "StatefulPartitionedCall/mul/y": gw,
        "StatefulPartitionedCall/floordiv_1/y": gw,
        "StatefulPartitionedCall/mul_1/y": gw,
        "StatefulPartitionedCall/Reshape_13": [[[[1 / gh, 1 / gw]]]], // (y, x) → 0..1
      };
    },
    preprocess: "x255round",
    tfjsInputDtype: "int32",
    letterbox: true,
    outputs: [{ tf: "Identity", name: "keypoints", shape: [1, 1, 17, 3], layout: "movenet" }],
    classes: MOVENET_KEYPOINTS,
    thresholds: { score: 0.3, iou: 0 },
    source:
      "npm @vladmandic/human@3.3.6 models/movenet-lightning.json (Google MoveNet SinglePose Lightning v4, TF Hub)",
    licence: "Apache-2.0 (TF Hub MoveNet); packaged under MIT by @vladmandic/human",
    accuracy: {
      set: "872 CenterNet persons in 120 vtest.avi frames (measure-people.mjs --frames 120)",
      headLocatedRate: 0.757,
      wristLocatedRate: 0.615,
      keypointScore: 0.3,
      note: "rate of persons with any face keypoint / any wrist at score >= 0.3; positions checked by eye on 3 frames",
    },
  },
];

/**
 * MoveNet built for tall crops: 96×192 (the 48×48-grid constants rewritten for 24×48). A standing person's
 * crop (width ≤ half its height) fills 192 pixels of height in either input, so the network sees it at the
 * scale it was trained at, without the 96 columns of black bars the square input adds — half the
 * convolutions. The worker uses it for such crops and the square model for wider ones (docs/performance.md).
 */
const movenet = CONVERTED.find((e) => e.name === "movenet-lightning");
CONVERTED.push({
  ...movenet,
  name: "movenet-lightning-tall",
  width: 96,
  height: 192,
  accuracy: {
    set: "vtest.avi: 243 CenterNet persons of the 40 bench frames and the 9 no_hat eval frames (all tall)",
    againstSquare:
      "head crops at IoU >= 0.5 with the square model's: 240 of 243 (median IoU 0.93); hand crops 292 against 291; no_hat eval heads called bare 54 of 57, as the square model",
  },
});

/**
 * A model's input width and height (`width`/`height`, else the square `size`), and its output shapes with
 * the grid dimensions of a resized graph (CenterNet's heat and size maps have stride 4).
 */
export function inputDims(entry) {
  return { width: entry.width ?? entry.size, height: entry.height ?? entry.size };
}

/** The entry at another input size (`WxH`); only for graphs whose size-bound constants are known. */
export function resized(entry, spec) {
  const m = /^(\d+)x(\d+)$/.exec(spec ?? "");
  if (!m) throw new Error(`size '${spec}': expected WIDTHxHEIGHT, e.g. 384x288`);
  const [width, height] = [Number(m[1]), Number(m[2])];
  if (!entry.sizeConsts) throw new Error(`${entry.name} cannot be resized (no size-bound constants known)`);
  if (width % 32 || height % 32) throw new Error(`${entry.name}: ${spec} is not a multiple of 32 both ways`);
  return {
    ...entry,
    width,
    height,
    outputs: entry.outputs.map((o) =>
      o.shape.length === 4 && o.layout === "centernet"
        ? { ...o, shape: [o.shape[0], o.shape[1], height / 4, width / 4] }
        : o,
    ),
  };
}

/** The ONNX input for the fixed test pattern `seed`: NCHW RGB 0..1 in steps of 1/255 (so uint8 pixels). */
export function fixedPixels(size, seed, height = size) {
  const px = new Uint8Array(size * height * 3); // NHWC
  let s = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        // smooth blobs plus noise: something with structure, like a photo, not only noise
        const v =
          128 +
          90 * Math.sin((x * (c + 1)) / 23 + seed) * Math.cos((y * (3 - c)) / 31) +
          ((s >>> 24) % 40) -
          20;
        px[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return px;
}

/** NCHW float32 0..1 from NHWC uint8. */
export function toNchw(px, size, height = size) {
  const n = size * height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = px[i * 3 + c] / 255;
  return out;
}

/** The graph's own input for the same pixels, computed in float32 exactly as the ONNX preprocessing does. */
export function tfjsInput(px, preprocess) {
  const f = Math.fround;
  if (preprocess === "x255round") return Int32Array.from(px);
  const out = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) {
    const x = f(px[i] / 255);
    out[i] = preprocess === "x255" ? f(x * 255) : f(f(x * 2) - 1);
  }
  return out;
}

/** NHWC [1,H,W,C] → NCHW. */
export function nhwcToNchw(data, [, h, w, c]) {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = data[(y * w + x) * c + k];
  return out;
}

/** BlazeFace decoding exactly as @vladmandic/human's face/blazeface.ts (anchors from facemeshutil.ts). */
export function decodeBlazefaceReference(heads, size) {
  const sorted = Object.values(heads).sort((a, b) => a.data.length - b.data.length);
  // sorted: cls384, cls512, reg384, reg512 → rows [cls, reg...] for the 512 anchors then the 384
  const rows = [];
  for (const [cls, reg] of [
    [sorted[1], sorted[3]],
    [sorted[0], sorted[2]],
  ]) {
    const n = cls.shape[1];
    for (let i = 0; i < n; i++) rows.push([cls.data[i], ...reg.data.slice(i * 16, i * 16 + 16)]);
  }
  const anchors = [];
  for (const [stride, num] of [
    [size / 16, 2],
    [size / 8, 6],
  ]) {
    const grid = Math.floor((size + stride - 1) / stride);
    for (let gy = 0; gy < grid; gy++)
      for (let gx = 0; gx < grid; gx++)
        for (let k = 0; k < num; k++) anchors.push([stride * (gx + 0.5), stride * (gy + 0.5)]);
  }
  const boxes = new Float32Array(rows.length * 4);
  const scores = new Float32Array(rows.length);
  const landmarks = new Float32Array(rows.length * 12);
  rows.forEach((r, i) => {
    const [ax, ay] = anchors[i];
    const cx = r[1] + ax;
    const cy = r[2] + ay;
    boxes.set(
      [(cx - r[3] / 2) / size, (cy - r[4] / 2) / size, (cx + r[3] / 2) / size, (cy + r[4] / 2) / size],
      i * 4,
    );
    scores[i] = 1 / (1 + Math.exp(-r[0]));
    for (let k = 0; k < 6; k++) {
      landmarks[i * 12 + k * 2] = (r[5 + k * 2] + ax) / size;
      landmarks[i * 12 + k * 2 + 1] = (r[6 + k * 2] + ay) / size;
    }
  });
  return { boxes, scores, landmarks };
}
