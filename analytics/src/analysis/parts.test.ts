import { describe, expect, it } from "vitest";
import { handRegions, headRegion } from "./parts.js";

const person = { x1: 100, y1: 100, x2: 160, y2: 300 };
const kp = (name: string, x: number, y: number, score = 0.9) => ({ name, x, y, score });

describe("hand and head regions from keypoints", () => {
  it("puts a hand beyond the wrist along the forearm, sized by the forearm or the person", () => {
    const hands = handRegions(
      person,
      [kp("right_elbow", 120, 180), kp("right_wrist", 120, 220), kp("left_wrist", 150, 210, 0.1)],
      640,
      480,
    );
    expect(hands).toHaveLength(1); // the left wrist is not confident enough
    const h = hands[0];
    expect(h?.side).toBe("right");
    // centre = wrist + 0.4 × (wrist − elbow) = (120, 236); side = max(0.9 × 40, 0.13 × 200) = 36
    expect(h?.box).toEqual({ x1: 102, y1: 218, x2: 138, y2: 254 });
  });
  it("frames the head around the face points, 65 % above their centre (the classifier's crop rule)", () => {
    const { box, fromKeypoints } = headRegion(
      person,
      [kp("nose", 130, 120), kp("left_eye", 134, 117), kp("right_eye", 126, 117)],
      640,
      480,
    );
    expect(fromKeypoints).toBe(true);
    // centre (130, 118); spread = 5 (eyes at distance 5) → side max(16, 32) = 32; 65 % above the centre.
    expect(box.x2 - box.x1).toBeCloseTo(32);
    expect(118 - box.y1).toBeCloseTo(0.65 * 32);
  });
  it("falls back to the top of the person box without face points, and stays in the frame", () => {
    const { box, fromKeypoints } = headRegion({ x1: 0, y1: 0, x2: 30, y2: 100 }, [], 640, 480);
    expect(fromKeypoints).toBe(false);
    // side = max(min(0.6 × 30, 0.2 × 100), 16) = 18, centred on the box, its top at the box's top.
    expect(box).toEqual({ x1: 6, y1: 0, x2: 24, y2: 18 });
  });
});
