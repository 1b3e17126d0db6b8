/** BlazeFace as converted here: boxes [1, N, 4] (x1, y1, x2, y2 normalised to the input), scores [1, N]. */
import type { Detection } from "../../post/detection.js";
import { nms } from "../../post/nms.js";
import { OutputShapeError } from "../../post/yolo.decoder.js";
import type { ModelFactory, ModelTypeDefinition } from "../model.types.js";
import { output, prepare, toFrame } from "./common.js";

const blazeface: ModelFactory = ({ name, card, session }) => ({
  kind: "detector",
  name,
  card,
  release: () => session.release(),
  async detect(img, opts) {
    const { tensor, dims, lb } = await prepare(img, card);
    const out = await session.run(tensor, dims);
    const boxes = output(out, card, 0);
    const scores = output(out, card, 1);
    const n = scores.data.length;
    if (boxes.data.length !== n * 4)
      throw new OutputShapeError(`model ${name}: ${n} scores but ${boxes.data.length / 4} boxes`);
    const thr = opts?.score ?? card.thresholds?.score ?? 0.5;
    const dets: Detection[] = [];
    for (let i = 0; i < n; i++) {
      const s = scores.data[i] as number;
      if (s < thr) continue;
      const o = i * 4;
      dets.push({
        x1: (boxes.data[o] as number) * card.input.width,
        y1: (boxes.data[o + 1] as number) * card.input.height,
        x2: (boxes.data[o + 2] as number) * card.input.width,
        y2: (boxes.data[o + 3] as number) * card.input.height,
        score: s,
        classId: 0,
      });
    }
    return toFrame(nms(dets, { iouThreshold: card.thresholds?.iou ?? 0.3 }), lb, img);
  },
});

export const blazefaceTypes: readonly ModelTypeDefinition[] = [{ type: "blazeface", factory: blazeface }];
