/**
 * Synthetic workshop scenes for tests and the evaluation (documented cases): a tiled floor and a
 * worktop, under a chosen brightness, optionally with clutter (boxes, a spill, scraps) on it.
 */
import sharp from "sharp";

export interface SceneOptions {
  width?: number;
  height?: number;
  /** Multiplies brightness (lighting change). */
  brightness?: number;
  clutter?: { x: number; y: number; w: number; h: number; fill: string; kind?: "rect" | "ellipse" }[];
}

export const CLUTTER = [
  { x: 180, y: 300, w: 70, h: 45, fill: "#6b4423" },
  { x: 260, y: 330, w: 90, h: 30, fill: "#d9d2a0", kind: "ellipse" as const },
  { x: 150, y: 360, w: 40, h: 40, fill: "#202020" },
];

export async function workshopScene(o: SceneOptions = {}): Promise<Buffer> {
  const w = o.width ?? 640;
  const h = o.height ?? 480;
  const tiles: string[] = [];
  for (let y = 240; y < h; y += 40) {
    for (let x = 0; x < w; x += 40) {
      const shade = (x / 40 + y / 40) % 2 ? "#b8b8b0" : "#a8a8a0";
      tiles.push(
        `<rect x="${x}" y="${y}" width="40" height="40" fill="${shade}" stroke="#8a8a84" stroke-width="2"/>`,
      );
    }
  }
  const clutter = (o.clutter ?? [])
    .map((c) =>
      c.kind === "ellipse"
        ? `<ellipse cx="${c.x + c.w / 2}" cy="${c.y + c.h / 2}" rx="${c.w / 2}" ry="${c.h / 2}" fill="${c.fill}"/>`
        : `<rect x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}" fill="${c.fill}"/>`,
    )
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <rect width="${w}" height="240" fill="#d0d4d8"/>
    <rect x="40" y="120" width="260" height="100" fill="#9aa3ad"/><rect x="360" y="100" width="200" height="120" fill="#c9b48f"/>
    ${tiles.join("")}${clutter}</svg>`;
  let img = sharp(Buffer.from(svg));
  if (o.brightness && o.brightness !== 1) img = img.modulate({ brightness: o.brightness });
  return img.jpeg({ quality: 90 }).toBuffer();
}
