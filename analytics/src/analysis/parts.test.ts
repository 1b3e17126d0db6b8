import { describe, expect, it } from "vitest";
import { faceRegion, handRegions, headRegion } from "./parts.js";

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

describe("face region from keypoints (the mask classifier's crop)", () => {
  const big = { x1: 100, y1: 100, x2: 300, y2: 600 };
  it("sizes a frontal face by the ears or 2.4 × the eye distance, centred below the eyes", () => {
    const f = faceRegion(
      big,
      [
        kp("nose", 200, 160),
        kp("left_eye", 210, 150),
        kp("right_eye", 190, 150),
        kp("left_ear", 225, 155),
        kp("right_ear", 175, 155),
      ],
      640,
      480,
    );
    // width = max(0.09 × 500, ears 50, 2.4 × 20, 2 × nose-to-ear 25.5) = 51 (nose to ear); side = 1.06 × width
    expect(f?.width).toBeCloseTo(2 * Math.hypot(25, 5));
    const side = 1.06 * (f?.width ?? 0);
    expect(f?.face).toBeCloseTo(side / 1.2);
    expect((f?.box.x2 ?? 0) - (f?.box.x1 ?? 0)).toBeCloseTo(side);
    // centre x = mean of eyes and nose (200); centre y = eyes (150) + 0.225 × width
    expect(((f?.box.x1 ?? 0) + (f?.box.x2 ?? 0)) / 2).toBeCloseTo(200);
    expect(((f?.box.y1 ?? 0) + (f?.box.y2 ?? 0)) / 2).toBeCloseTo(150 + 0.225 * (f?.width ?? 0));
  });
  it("uses the person's height as a floor when the face points are close together", () => {
    const f = faceRegion(big, [kp("nose", 200, 160), kp("left_eye", 202, 158)], 640, 480);
    expect(f?.width).toBeCloseTo(45); // 0.09 × 500
  });
  it("gives no face without eyes or nose (the back of a head), and stays inside the frame", () => {
    expect(faceRegion(big, [kp("left_ear", 200, 150), kp("right_ear", 230, 150)], 640, 480)).toBeNull();
    expect(faceRegion(big, [kp("nose", 200, 160, 0.1)], 640, 480)).toBeNull(); // not confident
    const edge = faceRegion(big, [kp("nose", 2, 2)], 640, 480);
    expect(edge?.box.x1).toBe(0);
    expect(edge?.box.y1).toBe(0);
  });
});
