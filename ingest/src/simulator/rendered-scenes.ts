/**
 * Rendered workshop scenes for the simulator, pure: SVG documents (rasterised by ffmpeg's librsvg decoder
 * when a clip is encoded) for a small food workshop seen from a camera high in a corner — tiled wall, a
 * window, a stainless worktop, a sink, a cabinet, a tiled floor — and the clutter that makes it unclean
 * (vegetable scraps, a spill, crumpled paper and a bag on the worktop; a cardboard box, a discarded
 * packaging box and a puddle on the floor).
 *
 * Nothing here is footage of a real workshop: it is a drawing, made so that the `unclean_area` check has
 * a scene where a mess appears and lies still, and compliant scenes where nothing changes but the light.
 * The zones below are drawn on the same drawing, so they fit it exactly.
 */

/** The canvas every rendered scene is drawn on (the main stream's size; the sub-stream is scaled). */
export const SCENE_WIDTH = 768;
export const SCENE_HEIGHT = 576;

/** A polygon in normalised [x, y] coordinates (0..1 of the frame), as the API's zones are. */
export type NormalisedPolygon = [number, number][];

const px = (p: [number, number][]): NormalisedPolygon =>
  p.map(([x, y]) => [round4(x / SCENE_WIDTH), round4(y / SCENE_HEIGHT)]);
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** The worktop's top surface (pixels of the canvas). */
const WORKTOP: [number, number][] = [
  [214, 312],
  [560, 312],
  [606, 388],
  [166, 388],
];

/** The zones the scenes are drawn for (normalised, slightly inside the drawn surfaces). */
export const WORKSHOP_ZONES = {
  /** 操作台: the worktop's top surface. */
  worktop: px([
    [220, 316],
    [554, 316],
    [598, 384],
    [174, 384],
  ]),
  /** 地面: the open floor in front of the worktop. */
  floor: px([
    [40, 440],
    [740, 440],
    [766, 574],
    [4, 574],
  ]),
} as const;

const svg = (w: number, h: number, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${body}</svg>`;

const pts = (p: [number, number][]) => p.map(([x, y]) => `${x},${y}`).join(" ");

/** Floor tiles in perspective (two tones, grout lines) towards a vanishing point above the picture. */
function floorTiles(top: number): string {
  const vx = SCENE_WIDTH / 2;
  const vy = -700;
  // Where the line from the vanishing point to (bx, bottom) is at height y.
  const xAt = (bx: number, y: number) => vx + ((bx - vx) * (y - vy)) / (SCENE_HEIGHT - vy);
  const columns: number[] = [];
  for (let bx = -1200; bx <= SCENE_WIDTH + 1200; bx += 96) columns.push(bx);
  // Rows: equal steps on the floor look shorter far away.
  const rows = [top];
  const far = 1 / (1 + 0.22 * 12);
  for (let k = 1; k <= 12; k++)
    rows.push(top + (SCENE_HEIGHT - top) * ((1 / (1 + 0.22 * (12 - k)) - far) / (1 - far)));
  const dark: string[] = [];
  const lines: string[] = [];
  for (let c = 0; c + 1 < columns.length; c++) {
    for (let r = 0; r + 1 < rows.length; r++) {
      if ((c + r) % 2 === 0) continue;
      const [a, b] = [columns[c] as number, columns[c + 1] as number];
      const [y1, y2] = [rows[r] as number, rows[r + 1] as number];
      const p = [xAt(a, y1), y1, xAt(b, y1), y1, xAt(b, y2), y2, xAt(a, y2), y2].map((v) => v.toFixed(1));
      dark.push(`<polygon points="${p[0]},${p[1]} ${p[2]},${p[3]} ${p[4]},${p[5]} ${p[6]},${p[7]}"/>`);
    }
  }
  for (const bx of columns)
    lines.push(`<line x1="${xAt(bx, top).toFixed(1)}" y1="${top}" x2="${bx}" y2="${SCENE_HEIGHT}"/>`);
  for (const y of rows.slice(1))
    lines.push(`<line x1="0" y1="${y.toFixed(1)}" x2="${SCENE_WIDTH}" y2="${y.toFixed(1)}"/>`);
  return `<g fill="#a39d90">${dark.join("")}</g><g stroke="#8a867c" stroke-width="1.6" opacity="0.8">${lines.join("")}</g>`;
}

function wallTiles(bottom: number): string {
  const lines: string[] = [];
  for (let x = 0; x <= SCENE_WIDTH; x += 36) lines.push(`<line x1="${x}" y1="0" x2="${x}" y2="${bottom}"/>`);
  for (let y = 0; y <= bottom; y += 36) lines.push(`<line x1="0" y1="${y}" x2="${SCENE_WIDTH}" y2="${y}"/>`);
  return `<g stroke="#c9cdd0" stroke-width="1.2">${lines.join("")}</g>`;
}

export type WorkshopVariant = "processing" | "crates";

/**
 * The empty, clean workshop. `processing`: a worktop with a cutting board and a bowl; `crates`: the same
 * room between shifts, crates stacked against the worktop's back edge, a tray, and a sign of its own.
 */
export function workshopSvg(variant: WorkshopVariant = "processing"): string {
  const wallBottom = 212;
  const sign = variant === "processing" ? "生产加工区 · 保持清洁" : "更衣洗手 · 消毒入内";
  const onWorktop =
    variant === "processing"
      ? // A white cutting board and a stainless bowl.
        `<polygon points="${pts([
          [268, 326],
          [372, 326],
          [380, 356],
          [262, 356],
        ])}" fill="#f1f1ec" stroke="#c8c8c0" stroke-width="1.5"/>
         <ellipse cx="480" cy="346" rx="34" ry="13" fill="#aeb4b8" stroke="#7d8589" stroke-width="2"/>
         <ellipse cx="480" cy="343" rx="26" ry="8" fill="#d4d9dc"/>`
      : // Two blue crates stacked against the worktop's back edge, outside the worktop zone: inside it, their
        // saturated edge flickered with the encoder under the light drift (docs/demo-footage.md).
        `<rect x="470" y="270" width="74" height="40" fill="#2f6db3" stroke="#1f4f86" stroke-width="2"/>
         <rect x="476" y="232" width="64" height="38" fill="#3a7cc4" stroke="#1f4f86" stroke-width="2"/>
         <g stroke="#1f4f86" stroke-width="2"><line x1="480" y1="282" x2="534" y2="282"/><line x1="484" y1="246" x2="532" y2="246"/></g>
         <rect x="262" y="330" width="120" height="22" fill="#ece7d6" stroke="#b9b29a" stroke-width="1.5"/>`;
  const body = `
  <defs>
    <linearGradient id="wall" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#e9ecee"/><stop offset="1" stop-color="#dfe3e5"/></linearGradient>
    <linearGradient id="floor" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#c9c3b6"/><stop offset="1" stop-color="#b9b3a5"/></linearGradient>
    <linearGradient id="steel" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#b7bdc1"/><stop offset="0.5" stop-color="#d9dee1"/><stop offset="1" stop-color="#aab1b5"/></linearGradient>
    <filter id="worn" x="0" y="0" width="100%" height="100%">
      <feTurbulence type="fractalNoise" baseFrequency="0.035 0.09" numOctaves="3" seed="7"/>
      <feColorMatrix type="matrix" values="0 0 0 0 0.35  0 0 0 0 0.32  0 0 0 0 0.27  0 0 0 -1.6 1.05"/>
    </filter>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#dfeaf2"/><stop offset="1" stop-color="#f4f7f8"/></linearGradient>
  </defs>
  <rect width="${SCENE_WIDTH}" height="${wallBottom}" fill="url(#wall)"/>
  ${wallTiles(wallBottom)}
  <rect x="248" y="26" width="176" height="118" fill="url(#sky)" stroke="#8c9398" stroke-width="5"/>
  <line x1="336" y1="26" x2="336" y2="144" stroke="#8c9398" stroke-width="4"/>
  <rect x="470" y="46" width="168" height="40" rx="3" fill="#1d7a4c"/>
  <text x="554" y="73" font-family="Noto Sans CJK SC, Noto Sans CJK, sans-serif" font-size="15" fill="#ffffff" text-anchor="middle">${sign}</text>
  <rect x="0" y="${wallBottom}" width="${SCENE_WIDTH}" height="${SCENE_HEIGHT - wallBottom}" fill="url(#floor)"/>
  <rect x="0" y="${wallBottom}" width="${SCENE_WIDTH}" height="${SCENE_HEIGHT - wallBottom}" filter="url(#worn)" opacity="0.55"/>
  ${floorTiles(wallBottom)}
  <rect x="0" y="${wallBottom - 8}" width="${SCENE_WIDTH}" height="10" fill="#9ea3a6"/>
  <rect x="18" y="70" width="118" height="330" fill="#eef0f0" stroke="#9aa0a3" stroke-width="3"/>
  <line x1="18" y1="200" x2="136" y2="200" stroke="#9aa0a3" stroke-width="3"/>
  <rect x="118" y="110" width="8" height="60" fill="#7f878b"/><rect x="118" y="226" width="8" height="60" fill="#7f878b"/>
  <polygon points="${pts([
    [630, 236],
    [758, 236],
    [768, 300],
    [622, 300],
  ])}" fill="url(#steel)" stroke="#7d8589" stroke-width="2"/>
  <ellipse cx="694" cy="266" rx="44" ry="18" fill="#8d959a"/>
  <path d="M700 236 v-40 h22" fill="none" stroke="#7d8589" stroke-width="6"/>
  <rect x="622" y="300" width="146" height="118" fill="#c3c9cc" stroke="#7d8589" stroke-width="2"/>
  <ellipse cx="388" cy="470" rx="250" ry="26" fill="#000" opacity="0.12"/>
  <polygon points="${pts(WORKTOP)}" fill="url(#steel)" stroke="#6f777b" stroke-width="2"/>
  <rect x="166" y="388" width="440" height="16" fill="#9aa1a5" stroke="#6f777b" stroke-width="1.5"/>
  <g fill="#8e969a" stroke="#6a7276" stroke-width="1.5">
    <rect x="176" y="404" width="12" height="72"/><rect x="584" y="404" width="12" height="72"/>
    <rect x="226" y="388" width="10" height="62"/><rect x="536" y="388" width="10" height="62"/>
  </g>
  <rect x="188" y="444" width="396" height="8" fill="#a9b0b4"/>
  ${onWorktop}
  <rect x="660" y="512" width="64" height="22" rx="3" fill="#7c7f80"/>
  <g stroke="#5e6162" stroke-width="2">${[668, 676, 684, 692, 700, 708, 716].map((x) => `<line x1="${x}" y1="515" x2="${x}" y2="531"/>`).join("")}</g>`;
  return svg(SCENE_WIDTH, SCENE_HEIGHT, body);
}

/** A layer drawn over the scene: an SVG document or an image file, placed at (x, y) on the canvas. */
export interface SceneLayer {
  /** Short name (for file names and the description): `[a-z0-9-]+`. */
  name: string;
  /** An SVG document (transparent where it draws nothing). */
  svg?: string;
  /** An image file (e.g. one of OpenCV's sample photos), scaled to `width`. */
  image?: string;
  /** Width to scale an image to (pixels; the height follows). */
  width?: number;
  /** Rotation of an image (degrees, clockwise); the corners become transparent. */
  rotateDeg?: number;
  x: number;
  y: number;
  /** Seconds into the clip when it appears; absent: from the start. */
  from?: number;
  /** Seconds into the clip when it goes; absent: until the end. */
  to?: number;
}

/** Vegetable scraps, a brown spill and crumpled paper on the worktop (one layer, 300×60 at 240,320). */
export function worktopMessSvg(): string {
  const scraps = [
    [20, 22, "#5c9a3a"],
    [40, 36, "#6fae44"],
    [64, 18, "#d9822b"],
    [88, 40, "#4e8a33"],
    [104, 24, "#e0952e"],
    [30, 46, "#7cb84e"],
  ] as const;
  const body = `
  <path d="M150 12 C 190 4, 236 10, 250 26 C 262 40, 236 56, 196 54 C 170 52, 140 48, 136 34 C 132 22, 138 16, 150 12 Z" fill="#6b4a2b" opacity="0.8"/>
  <path d="M170 22 C 196 16, 224 22, 230 32 C 234 42, 214 46, 190 44 C 172 42, 160 36, 170 22 Z" fill="#55391f" opacity="0.7"/>
  ${scraps
    .map(
      ([x, y, c], i) =>
        `<path d="M${x} ${y} l${10 + (i % 3) * 4} -${4 + (i % 2) * 3} l${6 + i} ${8 + (i % 3) * 2} l-${12 + i} ${6 + (i % 2) * 2} Z" fill="${c}" stroke="#2f4f1f" stroke-width="0.8"/>`,
    )
    .join("")}
  <path d="M262 14 l18 -6 l14 10 l-4 16 l12 8 l-14 12 l-20 -4 l-10 -14 Z" fill="#f4f2ea" stroke="#b0aca0" stroke-width="1.5"/>
  <path d="M268 20 l12 6 l8 -4 M272 36 l10 -6" stroke="#c5c1b4" stroke-width="1.2" fill="none"/>`;
  return svg(300, 60, body);
}

/** A cardboard box with tape (130×90). */
export function cardboardBoxSvg(): string {
  return svg(
    130,
    90,
    `<polygon points="8,30 92,22 124,36 40,46" fill="#c9964f" stroke="#8a6230" stroke-width="2"/>
     <polygon points="8,30 40,46 40,86 8,70" fill="#a8793c" stroke="#8a6230" stroke-width="2"/>
     <polygon points="40,46 124,36 124,76 40,86" fill="#b8864a" stroke="#8a6230" stroke-width="2"/>
     <polygon points="24,38 108,29 110,32 26,41" fill="#d8c9a6" opacity="0.9"/>
     <path d="M60 58 l30 -4" stroke="#6a4a22" stroke-width="3"/>`,
  );
}

/** A dark puddle on the floor (200×70). */
export function puddleSvg(): string {
  return svg(
    200,
    70,
    `<path d="M20 34 C 30 8, 90 4, 130 12 C 176 20, 196 36, 180 52 C 160 68, 100 66, 60 60 C 26 56, 10 48, 20 34 Z" fill="#4a3a2c" opacity="0.72"/>
     <path d="M70 26 C 90 20, 120 22, 128 30" stroke="#8d7b6a" stroke-width="3" fill="none" opacity="0.6"/>`,
  );
}

/** A white plastic bag, crumpled (90×70). */
export function bagSvg(): string {
  return svg(
    90,
    70,
    `<path d="M10 40 C 6 20, 30 6, 48 10 C 70 14, 86 28, 80 46 C 74 62, 40 66, 22 60 C 12 56, 12 50, 10 40 Z" fill="#f3f4f2" stroke="#b9bcb6" stroke-width="2"/>
     <path d="M26 28 C 36 34, 46 30, 56 22 M30 48 C 44 44, 58 50, 68 40" stroke="#c9ccc6" stroke-width="2" fill="none"/>`,
  );
}

/**
 * A hand over the lens (the whole canvas): a dark, nearly uniform brown, a little lighter at the middle
 * where the palm is nearest the lens — what a covered camera sees.
 */
export function lensCoverSvg(): string {
  const body = `<defs><radialGradient id="palm" cx="0.5" cy="0.55" r="0.75"><stop offset="0" stop-color="#3b302a"/><stop offset="1" stop-color="#2a221d"/></radialGradient></defs><rect width="${SCENE_WIDTH}" height="${SCENE_HEIGHT}" fill="url(#palm)"/>`;
  return svg(SCENE_WIDTH, SCENE_HEIGHT, body);
}
