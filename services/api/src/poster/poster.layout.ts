/**
 * The A4 poster (一店一码) as a list of drawing operations in PDF points (595.28 × 841.89, origin top left),
 * so that the PNG (canvas) and the PDF (pdfkit) draw the same page. Text is measured by the renderer that
 * draws it (its `measure`), so centring and wrapping fit that renderer's font metrics.
 */
export const A4 = { width: 595.28, height: 841.89 } as const;

export const BUREAU = "章丘区市场监督管理局";

export interface PosterSite {
  name: string;
  licenceNo: string;
  stationName: string;
  category: string;
  /** What the QR code opens: `${PUBLIC_BASE_URL}/public/sites/<id>`. */
  url: string;
}

/** Dark (true) or light modules of the QR symbol, `size` × `size`, without its quiet zone. */
export interface QrModules {
  size: number;
  dark(row: number, col: number): boolean;
}

export type PosterOp =
  | { kind: "rect"; x: number; y: number; w: number; h: number; fill: string }
  | { kind: "text"; text: string; x: number; y: number; size: number; bold: boolean; fill: string }
  | { kind: "qr"; x: number; y: number; size: number; modules: QrModules };

/** Width in points of `text` at `size` points. */
export type Measure = (text: string, size: number, bold: boolean) => number;

const BLUE = "#0b4f8a";
const GOLD = "#ffd75e";
const INK = "#1f2933";
const GREY = "#52606d";
export const QR_BOX = { x: (A4.width - 300) / 2, y: 200, size: 300 } as const;
/** Quiet zone around the symbol, in modules (the standard asks for four). */
export const QUIET_MODULES = 4;

const INSTRUCTION =
  "使用手机微信或浏览器扫描上方二维码，无需注册登录，即可观看本作坊后厨的实时画面，了解其亮证经营信息与整改情况；如发现食品安全问题，可在页面上留言表扬、建议或投诉。";

/** Punctuation that must not begin a line (it stays at the end of the line before, a little past the width). */
const NO_LINE_START = new Set([..."、，。；：！？）」』”’》"]);

/**
 * Splits `text` into lines no wider than `width` (any character may end a line: Chinese has no spaces),
 * except that a comma or a full stop never begins one.
 */
export function wrap(text: string, width: number, size: number, bold: boolean, measure: Measure): string[] {
  const lines: string[] = [];
  let line = "";
  for (const ch of text) {
    if (line && !NO_LINE_START.has(ch) && measure(line + ch, size, bold) > width) {
      lines.push(line);
      line = ch;
    } else line += ch;
  }
  if (line) lines.push(line);
  return lines;
}

function centred(text: string, y: number, size: number, bold: boolean, fill: string, m: Measure): PosterOp {
  return { kind: "text", text, x: (A4.width - m(text, size, bold)) / 2, y, size, bold, fill };
}

/** The largest size ≤ `size` (down to `min`) at which `text` fits `width`. */
function fitSize(text: string, width: number, size: number, min: number, bold: boolean, m: Measure): number {
  let s = size;
  while (s > min && m(text, s, bold) > width) s -= 1;
  return s;
}

function header(m: Measure): PosterOp[] {
  return [
    { kind: "rect", x: 0, y: 0, w: A4.width, h: 168, fill: BLUE },
    { kind: "rect", x: 0, y: 168, w: A4.width, h: 6, fill: "#c8102e" },
    centred(BUREAU, 30, 17, false, "#ffffff", m),
    centred("透明厨房 · 扫码看后厨", 62, 40, true, "#ffffff", m),
    centred("透明化监管示范 · 一店一码", 122, 17, false, GOLD, m),
  ];
}

function siteBlock(site: PosterSite, m: Measure): PosterOp[] {
  const nameSize = fitSize(site.name, A4.width - 80, 30, 16, true, m);
  const info = [`许可证编号：${site.licenceNo}`, `类别：${site.category}`, `监管单位：${site.stationName}`];
  return [
    centred("扫一扫 · 看后厨", 516, 15, false, GREY, m),
    centred(site.name, 552, nameSize, true, INK, m),
    ...info.map((line, i) => centred(line, 598 + i * 24, 14, false, INK, m)),
  ];
}

function footer(site: PosterSite, m: Measure): PosterOp[] {
  const left = 64;
  const lines = wrap(INSTRUCTION, A4.width - 2 * left, 12.5, false, m);
  const urlSize = fitSize(site.url, A4.width - 40, 9, 6, false, m);
  return [
    { kind: "rect", x: left - 16, y: 680, w: 4, h: lines.length * 20 - 4, fill: BLUE },
    ...lines.map(
      (text, i): PosterOp => ({
        kind: "text",
        text,
        x: left,
        y: 680 + i * 20,
        size: 12.5,
        bold: false,
        fill: GREY,
      }),
    ),
    { kind: "rect", x: 0, y: A4.height - 56, w: A4.width, h: 56, fill: BLUE },
    centred(`${BUREAU} 监制`, A4.height - 48, 13, true, "#ffffff", m),
    centred(site.url, A4.height - 24, urlSize, false, "#cfe0f0", m),
  ];
}

export function posterLayout(site: PosterSite, modules: QrModules, measure: Measure): PosterOp[] {
  const { x, y, size } = QR_BOX;
  return [
    { kind: "rect", x: 0, y: 0, w: A4.width, h: A4.height, fill: "#ffffff" },
    ...header(measure),
    { kind: "rect", x: x - 10, y: y - 10, w: size + 20, h: size + 20, fill: "#dce6f0" },
    { kind: "qr", x, y, size, modules },
    ...siteBlock(site, measure),
    ...footer(site, measure),
  ];
}
