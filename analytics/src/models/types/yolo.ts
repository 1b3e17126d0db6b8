/** YOLO exports (v5, v8, 11): one output of boxes and class scores, decoded here, then NMS. */
import { nms } from "../../post/nms.js";
import { decodeYolo, type YoloLayout } from "../../post/yolo.decoder.js";
import type { ModelFactory, ModelTypeDefinition } from "../model.types.js";
import { output, prepare, toFrame } from "./common.js";

function yolo(layout: YoloLayout): ModelFactory {
  return ({ name, card, session }) => ({
    kind: "detector",
    name,
    card,
    release: () => session.release(),
    async detect(img, opts) {
      const { tensor, dims, lb } = await prepare(img, card);
      const out = output(await session.run(tensor, dims), card);
      const dets = decodeYolo(out.data, out.dims, {
        layout,
        numClasses: card.classes.length,
        scoreThreshold: opts?.score ?? card.thresholds?.score ?? 0.25,
      });
      return toFrame(nms(dets, { iouThreshold: card.thresholds?.iou ?? 0.45, maxDetections: 300 }), lb, img);
    },
  });
}

/** The layouts a card-less YOLO export may name in configuration. */
export const YOLO_LAYOUTS: readonly YoloLayout[] = ["yolov5", "yolov8", "yolo11"];

export const yoloTypes: readonly ModelTypeDefinition[] = YOLO_LAYOUTS.map((layout) => ({
  type: layout,
  factory: yolo(layout),
}));
