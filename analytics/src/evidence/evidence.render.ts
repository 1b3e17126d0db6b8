/**
 * Evidence: the frame with the violation's boxes and Chinese labels drawn (an SVG overlay composited by
 * sharp; text in Noto Sans CJK from Debian's fonts-noto-cjk), as JPEG, with its SHA-256.
 */
import { createHash } from "node:crypto";
import { VIOLATION_LABELS_ZH } from "@mingfang/core";
import sharp from "sharp";
import type { Box } from "../analysis/frame.pipeline.js";

/** Labels of the boxes that are not violations: the person and the parts a violation is found on. */
const PART_LABELS_ZH: Record<string, string> = {
  person: "人员",
  head: "头部",
  left_hand: "左手",
  right_hand: "右手",
};

/**
 * Labels drawn on evidence (Simplified Chinese): the violations as the console shows them (core's
 * VIOLATION_LABELS_ZH, the one source), and the parts.
 */
export const LABELS_ZH: Record<string, string> = { ...VIOLATION_LABELS_ZH, ...PART_LABELS_ZH };

const COLOURS: Record<string, string> = { person: "#3b82f6" };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function overlaySvg(width: number, height: number, boxes: readonly Box[], caption?: string): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const font = Math.max(14, Math.round(Math.min(width, height) / 28));
  const parts: string[] = [];
  for (const b of boxes) {
    const colour = COLOURS[b.label] ?? "#ef4444";
    const text = `${LABELS_ZH[b.label] ?? b.label} ${Math.round(b.score * 100)}%`;
    const x = Math.round(b.x1);
    const y = Math.round(b.y1);
    const w = Math.max(1, Math.round(b.x2 - b.x1));
    const h = Math.max(1, Math.round(b.y2 - b.y1));
    parts.push(
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
    );
    const ty = y - font - 4 >= 0 ? y - font - 4 : y;
    const tw =
      Math.round([...text].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 1 : 0.6), 0) * font) + 8;
    parts.push(
      `<rect x="${x}" y="${ty}" width="${tw}" height="${font + 4}" fill="${colour}" fill-opacity="0.85"/>`,
    );
    parts.push(`<text x="${x + 4}" y="${ty + font}" font-size="${font}" fill="#ffffff">${esc(text)}</text>`);
  }
  if (caption) {
    parts.push(
      `<rect x="0" y="${height - font - 10}" width="${width}" height="${font + 10}" fill="#000000" fill-opacity="0.55"/>`,
    );
    parts.push(`<text x="6" y="${height - 7}" font-size="${font}" fill="#ffffff">${esc(caption)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Noto Sans CJK SC, Noto Sans CJK, sans-serif">${parts.join("")}</svg>`;
}

export interface Evidence {
  jpeg: Buffer;
  sha256: string;
}

export async function renderEvidence(
  jpeg: Uint8Array,
  width: number,
  height: number,
  boxes: readonly Box[],
  caption?: string,
): Promise<Evidence> {
  const svg = overlaySvg(width, height, boxes, caption);
  const out = await sharp(jpeg)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 85, mozjpeg: false })
    .toBuffer();
  return { jpeg: out, sha256: createHash("sha256").update(out).digest("hex") };
}

/**
 * A tamper alert's evidence: the camera's learned reference (grey, as the check keeps it) and the frame
 * side by side, each titled (参考画面 / 当前画面), with the violation (摄像头遮挡 / 移位 / 失焦), its score
 * and the caption below.
 */
export async function renderTamperEvidence(
  jpeg: Uint8Array,
  reference: { data: Uint8Array; width: number; height: number },
  type: string,
  score: number,
  caption: string,
): Promise<Evidence> {
  const meta = await sharp(jpeg).metadata();
  const w = meta.width ?? reference.width;
  const h = meta.height ?? reference.height;
  const ref = await sharp(Buffer.from(reference.data), {
    raw: { width: reference.width, height: reference.height, channels: 1 },
  })
    .resize(w, h, { fit: "fill" })
    .toColourspace("srgb")
    .png()
    .toBuffer();
  const cur = await sharp(jpeg).png().toBuffer();
  const font = Math.max(14, Math.round(Math.min(w, h) / 28));
  const title = (x: number, text: string) =>
    `<rect x="${x}" y="0" width="${Math.round(font * 5.2)}" height="${font + 10}" fill="#000000" fill-opacity="0.6"/><text x="${x + 6}" y="${font + 3}" font-size="${font}" fill="#ffffff">${esc(text)}</text>`;
  const line = `${LABELS_ZH[type] ?? type} ${Math.round(score * 100)}% · ${caption}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${h}" font-family="Noto Sans CJK SC, Noto Sans CJK, sans-serif">${title(0, "参考画面")}${title(w, "当前画面")}<rect x="${w - 1}" y="0" width="3" height="${h}" fill="#ef4444"/><rect x="0" y="${h - font - 10}" width="${2 * w}" height="${font + 10}" fill="#000000" fill-opacity="0.6"/><text x="6" y="${h - 7}" font-size="${font}" fill="#ffffff">${esc(line)}</text></svg>`;
  const out = await sharp({ create: { width: 2 * w, height: h, channels: 3, background: "#000000" } })
    .composite([
      { input: ref, left: 0, top: 0 },
      { input: cur, left: w, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .jpeg({ quality: 85, mozjpeg: false })
    .toBuffer();
  return { jpeg: out, sha256: createHash("sha256").update(out).digest("hex") };
}
