/** Synthetic frames for tests and the evaluation: coloured squares on black, as JPEG. */
import sharp from "sharp";

export interface Square {
  x: number;
  y: number;
  s: number;
  rgb: [number, number, number];
}

export async function squaresJpeg(
  w: number,
  h: number,
  squares: Square[],
  background = "black",
): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="${background}"/>${squares
    .map((q) => `<rect x="${q.x}" y="${q.y}" width="${q.s}" height="${q.s}" fill="rgb(${q.rgb.join(",")})"/>`)
    .join("")}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 95 }).toBuffer();
}
