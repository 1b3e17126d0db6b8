/**
 * Camera-size JPEGs for the benches that move frames: vtest.avi sampled as the ingest samples it
 * (640×480, `-q:v 5`) when opencv-doc is installed, else sharp-made 640×360 noise.
 */
import { existsSync } from "node:fs";
import sharp from "sharp";
import { VTEST, vtestSampled } from "../../analytics/dist/index.js";

export async function cameraFrames() {
  if (existsSync(VTEST))
    return {
      what: "vtest.avi sampled as the ingest does (640×480, q 5)",
      jpegs: vtestSampled({ everyS: 0.25 }),
    };
  const jpegs = [];
  for (let i = 0; i < 40; i++) {
    const raw = Buffer.alloc(640 * 360 * 3);
    for (let j = 0; j < raw.length; j++) raw[j] = (j * 7 + i * 13 + ((j * j) % 251)) & 0xff;
    jpegs.push(
      await sharp(raw, { raw: { width: 640, height: 360, channels: 3 } })
        .jpeg({ quality: 75 })
        .toBuffer(),
    );
  }
  return { what: "sharp-made 640×360 frames (vtest.avi absent)", jpegs };
}
