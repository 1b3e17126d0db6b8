/** CenterNet as converted here (models/centernet): the graph's own decoded box list `detections` [1, 100, 6]. */
import { decodeBoxList } from "../../post/centernet.decoder.js";
import { nms } from "../../post/nms.js";
import type { ModelFactory, ModelTypeDefinition } from "../model.types.js";
import { InputTensors, inputSize, output, prepare, toFrame } from "./common.js";

const centernet: ModelFactory = ({ name, card, session }) => {
  const inputs = new InputTensors();
  const listIndex = Math.max(
    0,
    card.outputs.findIndex((o) => o.shape.length === 3 && o.shape[2] === 6),
  );
  return {
    kind: "detector",
    name,
    card,
    release: () => session.release(),
    async detect(img, opts) {
      const list = card.outputs[listIndex]?.name as string;
      const { out, lb } = await inputs.use(inputSize(card), async (into) => {
        const { tensor, dims, lb } = await prepare(img, card, into);
        return { out: output(await session.run(tensor, dims, [list]), card, listIndex), lb };
      });
      const dets = decodeBoxList(out.data, out.dims, {
        inputWidth: card.input.width,
        inputHeight: card.input.height,
        scoreThreshold: opts?.score ?? card.thresholds?.score ?? 0.3,
      });
      return toFrame(nms(dets, { iouThreshold: card.thresholds?.iou ?? 0.4 }), lb, img);
    },
  };
};

export const centernetTypes: readonly ModelTypeDefinition[] = [{ type: "centernet", factory: centernet }];
