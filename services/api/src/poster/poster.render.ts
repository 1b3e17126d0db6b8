/**
 * Draws the site's QR code (PNG) and its A4 poster as PNG (@napi-rs/canvas, 200 dpi) and PDF (pdfkit:
 * vector text in the embedded, subset Noto Sans CJK, and the QR code as vector squares).
 */
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";
import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import type { PosterFonts } from "./poster.font.js";
import {
  A4,
  BUREAU,
  type Measure,
  type PosterOp,
  type PosterSite,
  posterLayout,
  type QrModules,
  QUIET_MODULES,
} from "./poster.layout.js";

/** Medium error correction: a poster behind glass, a little dirt or glare, still scans. */
const QR_OPTIONS = { errorCorrectionLevel: "M" } as const;
export const POSTER_DPI = 200;
const FAMILY = "Noto Sans CJK SC";

export function qrModules(url: string): QrModules {
  const m = QRCode.create(url, QR_OPTIONS).modules;
  return { size: m.size, dark: (r, c) => m.get(r, c) === 1 };
}

/** The QR code alone, as a PNG to show on screen (10 px per module, quiet zone included). */
export function qrPng(url: string): Promise<Buffer> {
  return QRCode.toBuffer(url, { ...QR_OPTIONS, type: "png", margin: QUIET_MODULES, scale: 10 });
}

/** The QR symbol's modules as squares filling `size` (quiet zone included): [x, y, side] in the box. */
function qrSquares(modules: QrModules, size: number): { unit: number; cells: [number, number][] } {
  const unit = size / (modules.size + 2 * QUIET_MODULES);
  const cells: [number, number][] = [];
  for (let r = 0; r < modules.size; r++) {
    for (let c = 0; c < modules.size; c++) {
      if (modules.dark(r, c)) cells.push([(c + QUIET_MODULES) * unit, (r + QUIET_MODULES) * unit]);
    }
  }
  return { unit, cells };
}

let registered: string | undefined;
function registerCanvasFonts(fonts: PosterFonts): void {
  if (registered === fonts.regular) return;
  GlobalFonts.registerFromPath(fonts.regular);
  GlobalFonts.registerFromPath(fonts.bold);
  registered = fonts.regular;
}

const cssFont = (size: number, bold: boolean) => `${bold ? "bold " : ""}${size}px "${FAMILY}"`;

function drawOnCanvas(ctx: SKRSContext2D, op: PosterOp): void {
  if (op.kind === "rect") {
    ctx.fillStyle = op.fill;
    ctx.fillRect(op.x, op.y, op.w, op.h);
  } else if (op.kind === "text") {
    ctx.font = cssFont(op.size, op.bold);
    ctx.fillStyle = op.fill;
    ctx.fillText(op.text, op.x, op.y);
  } else {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(op.x, op.y, op.size, op.size);
    drawQrPixels(ctx, op);
  }
}

/**
 * The QR code in whole device pixels per module, centred in its box: modules on fractional pixels would
 * leave anti-aliased seams between neighbours, which a phone's camera may read as light modules.
 */
function drawQrPixels(ctx: SKRSContext2D, op: Extract<PosterOp, { kind: "qr" }>): void {
  const scale = ctx.getTransform().a;
  const total = op.modules.size + 2 * QUIET_MODULES;
  const unit = Math.floor((op.size * scale) / total);
  const x0 = Math.round(op.x * scale + (op.size * scale - unit * total) / 2) + QUIET_MODULES * unit;
  const y0 = Math.round(op.y * scale + (op.size * scale - unit * total) / 2) + QUIET_MODULES * unit;
  ctx.save();
  ctx.resetTransform();
  ctx.fillStyle = "#000000";
  for (let r = 0; r < op.modules.size; r++) {
    for (let c = 0; c < op.modules.size; c++) {
      if (op.modules.dark(r, c)) ctx.fillRect(x0 + c * unit, y0 + r * unit, unit, unit);
    }
  }
  ctx.restore();
}

export async function posterPng(site: PosterSite, fonts: PosterFonts): Promise<Buffer> {
  registerCanvasFonts(fonts);
  const scale = POSTER_DPI / 72;
  const canvas = createCanvas(Math.round(A4.width * scale), Math.round(A4.height * scale));
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);
  ctx.textBaseline = "top";
  const measure: Measure = (text, size, bold) => {
    ctx.font = cssFont(size, bold);
    return ctx.measureText(text).width;
  };
  for (const op of posterLayout(site, qrModules(site.url), measure)) drawOnCanvas(ctx, op);
  return canvas.encode("png");
}

function drawOnPdf(doc: PDFKit.PDFDocument, op: PosterOp): void {
  if (op.kind === "rect") {
    doc.rect(op.x, op.y, op.w, op.h).fill(op.fill);
  } else if (op.kind === "text") {
    doc
      .font(op.bold ? "bold" : "regular")
      .fontSize(op.size)
      .fillColor(op.fill)
      .text(op.text, op.x, op.y, { lineBreak: false });
  } else {
    doc.rect(op.x, op.y, op.size, op.size).fill("#ffffff");
    const { unit, cells } = qrSquares(op.modules, op.size);
    for (const [x, y] of cells) doc.rect(op.x + x, op.y + y, unit, unit);
    doc.fill("#000000");
  }
}

export function posterPdf(site: PosterSite, fonts: PosterFonts): Promise<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    margin: 0,
    info: { Title: `${site.name} 透明厨房 一店一码`, Author: BUREAU, Subject: site.url },
  });
  doc.registerFont("regular", fonts.regular, fonts.regularFace);
  doc.registerFont("bold", fonts.bold, fonts.boldFace);
  const measure: Measure = (text, size, bold) =>
    doc
      .font(bold ? "bold" : "regular")
      .fontSize(size)
      .widthOfString(text);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  for (const op of posterLayout(site, qrModules(site.url), measure)) drawOnPdf(doc, op);
  doc.end();
  return done;
}
