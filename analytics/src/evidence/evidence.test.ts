import { createHash } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { overlaySvg, renderEvidence } from "./evidence.render.js";

async function grey(w: number, h: number) {
  return sharp({ create: { width: w, height: h, channels: 3, background: "#808080" } })
    .jpeg()
    .toBuffer();
}

/** Count the pixels of a region that differ from mid-grey. */
async function inked(jpeg: Buffer, region: { left: number; top: number; width: number; height: number }) {
  const px = await sharp(jpeg).extract(region).raw().toBuffer();
  let n = 0;
  for (let i = 0; i < px.length; i += 3)
    if (Math.abs((px[i] as number) - 128) > 40 || Math.abs((px[i + 2] as number) - 128) > 40) n++;
  return n;
}

describe("evidence", () => {
  it("draws boxes and Chinese labels, returns a JPEG and its SHA-256", async () => {
    const frame = await grey(320, 240);
    const ev = await renderEvidence(
      frame,
      320,
      240,
      [{ x1: 100, y1: 80, x2: 200, y2: 200, score: 0.87, label: "no_hat" }],
      "2026-12-01 10:00 摄像头 3",
    );
    expect(ev.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(ev.sha256).toBe(createHash("sha256").update(ev.jpeg).digest("hex"));
    const meta = await sharp(ev.jpeg).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
    // The box edge and the label background are drawn; the far corner is untouched.
    expect(await inked(ev.jpeg, { left: 98, top: 120, width: 6, height: 40 })).toBeGreaterThan(50);
    expect(await inked(ev.jpeg, { left: 260, top: 10, width: 40, height: 40 })).toBe(0);
    expect(overlaySvg(320, 240, [{ x1: 0, y1: 0, x2: 1, y2: 1, score: 0.5, label: "no_gloves" }])).toContain(
      "未戴手套 50%",
    );
  });

  it("renders CJK glyphs (not empty boxes): the label's text area has ink that differs between two labels", async () => {
    const frame = await grey(400, 120);
    const a = await renderEvidence(frame, 400, 120, [
      { x1: 10, y1: 60, x2: 390, y2: 110, score: 0.9, label: "no_gloves" },
    ]);
    const b = await renderEvidence(frame, 400, 120, [
      { x1: 10, y1: 60, x2: 390, y2: 110, score: 0.9, label: "unclean_area" },
    ]);
    const textA = await sharp(a.jpeg)
      .extract({ left: 14, top: 30, width: 80, height: 28 })
      .greyscale()
      .raw()
      .toBuffer();
    const textB = await sharp(b.jpeg)
      .extract({ left: 14, top: 30, width: 80, height: 28 })
      .greyscale()
      .raw()
      .toBuffer();
    let white = 0;
    let diff = 0;
    for (let i = 0; i < textA.length; i++) {
      if ((textA[i] as number) > 200) white++;
      if (Math.abs((textA[i] as number) - (textB[i] as number)) > 60) diff++;
    }
    expect(white).toBeGreaterThan(40); // glyph strokes in white
    expect(diff).toBeGreaterThan(40); // different characters, so not the same tofu box twice
  });
});
