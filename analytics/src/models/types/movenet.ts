/** MoveNet single-pose: keypoints [1, 1, K, 3] as y, x, score normalised to the input. */
import { OutputShapeError } from "../../post/yolo.decoder.js";
import { unletterboxRect } from "../../pre/letterbox.js";
import type { Keypoint, ModelFactory, ModelTypeDefinition } from "../model.types.js";
import { InputTensors, inputSize, output, prepare } from "./common.js";

const movenet: ModelFactory = ({ name, card, session }) => {
  const inputs = new InputTensors();
  return {
    kind: "keypoints",
    name,
    card,
    release: () => session.release(),
    async keypoints(img) {
      const { out, lb } = await inputs.use(inputSize(card), async (into) => {
        const { tensor, dims, lb } = await prepare(img, card, into);
        return { out: output(await session.run(tensor, dims), card), lb };
      });
      const k = card.classes.length;
      if (out.data.length !== k * 3)
        throw new OutputShapeError(`model ${name}: expected ${k}×3 keypoint values, got ${out.data.length}`);
      const res: Keypoint[] = [];
      for (let i = 0; i < k; i++) {
        const y = (out.data[i * 3] as number) * card.input.height;
        const x = (out.data[i * 3 + 1] as number) * card.input.width;
        const r = unletterboxRect(lb, { x1: x, y1: y, x2: x, y2: y }, img.width, img.height);
        res.push({ name: card.classes[i] as string, x: r.x1, y: r.y1, score: out.data[i * 3 + 2] as number });
      }
      return res;
    },
  };
};

export const movenetTypes: readonly ModelTypeDefinition[] = [{ type: "movenet", factory: movenet }];
