import { createHash } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { renderTamperEvidence } from "./evidence.render.js";

/** Mean grey level of a region. */
async function mean(jpeg: Buffer, region: { left: number; top: number; width: number; height: number }) {
  const px = await sharp(jpeg).extract(region).greyscale().raw().toBuffer();
  return px.reduce((s, v) => s + v, 0) / px.length;
}

describe("tamper evidence", () => {
  it("puts the reference and the frame side by side, titled, with the kind in the caption", async () => {
    const frame = await sharp({ create: { width: 480, height: 360, channels: 3, background: "#202020" } })
      .jpeg()
      .toBuffer();
    const reference = { data: new Uint8Array(320 * 240).fill(200), width: 320, height: 240 };
    const ev = await renderTamperEvidence(
      frame,
      reference,
      "camera_covered",
      0.9,
      "2026-12-07 10:00 · 摄像头 7",
    );
    expect(ev.sha256).toBe(createHash("sha256").update(ev.jpeg).digest("hex"));
    const meta = await sharp(ev.jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 960, 360]);
    // Left: the (light) reference, upscaled; right: the (dark) frame.
    expect(await mean(ev.jpeg, { left: 100, top: 150, width: 100, height: 60 })).toBeGreaterThan(180);
    expect(await mean(ev.jpeg, { left: 600, top: 150, width: 100, height: 60 })).toBeLessThan(50);
    // The titles and the caption are drawn (white text on the dark bands).
    const caption = await sharp(ev.jpeg)
      .extract({ left: 0, top: 330, width: 400, height: 28 })
      .greyscale()
      .raw()
      .toBuffer();
    expect(caption.filter((v) => v > 180).length).toBeGreaterThan(50);
    const title = await sharp(ev.jpeg)
      .extract({ left: 484, top: 0, width: 80, height: 24 })
      .greyscale()
      .raw()
      .toBuffer();
    expect(title.filter((v) => v > 180).length).toBeGreaterThan(20);
  });
});
