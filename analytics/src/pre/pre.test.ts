import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cropRegion, expandRect, letterbox, letterboxRect, stretch, unletterboxRect } from "./letterbox.js";
import { packHwc, packHwcToNchw } from "./tensor.js";

describe("letterbox", () => {
  it("fits a 768×576 frame into 640² with grey bars top and bottom", () => {
    const lb = letterbox(768, 576, 640);
    expect(lb.scale).toBeCloseTo(640 / 768);
    expect([lb.width, lb.height, lb.padX, lb.padY]).toEqual([640, 480, 0, 80]);
  });
  it("fits a portrait frame with bars left and right", () => {
    const lb = letterbox(360, 640, 320);
    expect([lb.width, lb.height, lb.padX, lb.padY]).toEqual([180, 320, 70, 0]);
  });
  it("maps a box to the input and back (inverse within a pixel, clamped to the frame)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 4000 }),
        fc.integer({ min: 16, max: 4000 }),
        fc.constantFrom(320, 416, 512, 640),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (w, h, size, u, v) => {
          const lb = letterbox(w, h, size);
          const r = { x1: u * w * 0.5, y1: v * h * 0.5, x2: w * (0.5 + u * 0.5), y2: h * (0.5 + v * 0.5) };
          const back = unletterboxRect(lb, letterboxRect(lb, r), w, h);
          const tol = 1 / lb.scale + 1e-6;
          expect(Math.abs(back.x1 - r.x1)).toBeLessThanOrEqual(tol);
          expect(Math.abs(back.y2 - r.y2)).toBeLessThanOrEqual(tol);
        },
      ),
    );
  });
  it("clamps boxes that spill into the padding to the frame", () => {
    const lb = letterbox(768, 576, 640);
    expect(unletterboxRect(lb, { x1: -10, y1: 0, x2: 700, y2: 640 }, 768, 576)).toEqual({
      x1: 0,
      y1: 0,
      x2: 768,
      y2: 576,
    });
  });
  it("stretches for models trained without letterboxing, and inverts that too", () => {
    const lb = stretch(768, 576, 512);
    expect(unletterboxRect(lb, { x1: 256, y1: 256, x2: 512, y2: 512 }, 768, 576)).toEqual({
      x1: 384,
      y1: 288,
      x2: 768,
      y2: 576,
    });
  });
  it("refuses a zero-size frame", () => {
    expect(() => letterbox(0, 576, 640)).toThrow(/bad frame size/);
  });
  it("expands and crops inside the frame", () => {
    expect(expandRect({ x1: 10, y1: 10, x2: 20, y2: 20 }, 2, 100, 100)).toEqual({
      x1: 5,
      y1: 5,
      x2: 25,
      y2: 25,
    });
    expect(cropRegion({ x1: 98.2, y1: -3, x2: 130, y2: 0.5 }, 100, 100)).toEqual({
      left: 98,
      top: 0,
      width: 2,
      height: 1,
    });
  });
});

describe("tensor packing", () => {
  it("moves interleaved RGB into planes, scaled to 0..1", () => {
    // 2×1 image: pixel 0 = (255, 0, 51), pixel 1 = (0, 255, 102).
    const t = packHwcToNchw(Uint8Array.from([255, 0, 51, 0, 255, 102]), 2, 1, 3);
    expect(Array.from(t)).toEqual([1, 0, 0, 1, 0.2, 0.4].map(Math.fround));
  });
  it("normalises with mean/std and swaps to BGR on request", () => {
    const t = packHwcToNchw(Uint8Array.from([255, 0, 0]), 1, 1, 3, {
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      bgr: true,
    });
    expect(Array.from(t)).toEqual([-1, -1, 1]);
  });
  it("refuses a buffer of the wrong size", () => {
    expect(() => packHwcToNchw(new Uint8Array(5), 2, 1, 3)).toThrow(/expected 6/);
  });
  it("packs NHWC for TF-converted graphs", () => {
    expect(Array.from(packHwc(Uint8Array.from([0, 255]), { scale: 1 }, 1))).toEqual([0, 255]);
  });
});
