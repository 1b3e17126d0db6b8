/**
 * The only module that touches pixels through sharp: decode a JPEG to raw RGB, resize/letterbox into a
 * model input, crop, grey thumbnails. Returns plain buffers.
 */
import sharp from "sharp";
import type { Letterbox } from "../pre/letterbox.js";

/** Decoded 8-bit RGB, interleaved (HWC). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Input that cannot be analysed: the job fails with this reason, the worker carries on. */
export class BadInputError extends Error {
  override name = "BadInputError";
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

sharp.concurrency(1);
sharp.cache(false);

/** Decodes a JPEG; refuses empty, non-JPEG and truncated data with a BadInputError. */
export async function decodeJpeg(jpeg: Uint8Array): Promise<RawImage> {
  if (jpeg.length === 0) throw new BadInputError("empty frame (0 bytes)", "empty");
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8)
    throw new BadInputError("not a JPEG (no SOI marker)", "not_jpeg");
  // A JPEG ends with EOI (FF D9), possibly followed by padding; look near the end.
  let eoi = false;
  for (let i = jpeg.length - 2; i >= Math.max(2, jpeg.length - 64); i--) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === 0xd9) {
      eoi = true;
      break;
    }
  }
  if (!eoi) throw new BadInputError("truncated JPEG (no EOI marker)", "truncated");
  try {
    const { data, info } = await sharp(jpeg, { failOn: "truncated" })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width < 1 || info.height < 1) throw new BadInputError("zero-size frame", "empty");
    if (info.channels !== 3) throw new BadInputError(`JPEG with ${info.channels} channels`, "not_jpeg");
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw new BadInputError(`corrupt JPEG: ${(err as Error).message}`, "corrupt");
  }
}

function fromRaw(img: RawImage) {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/**
 * Per output index along one axis: how many source indices it reads and, in `n` slots each, those
 * indices (clamped: edges repeat) and their weights (triangle filter, normalised).
 */
function taps(
  inSize: number,
  outSize: number,
): { n: number; count: Int32Array; index: Int32Array; weights: Float32Array } {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  const n = Math.ceil(support) * 2 + 1;
  const count = new Int32Array(outSize);
  const index = new Int32Array(outSize * n);
  const weights = new Float32Array(outSize * n);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale - 0.5;
    const first = Math.floor(centre - support) + 1;
    let sum = 0;
    let k = 0;
    for (let i = first; i < first + n && i <= centre + support; i++, k++) {
      const w = Math.max(0, 1 - Math.abs(i - centre) / support);
      weights[o * n + k] = w;
      index[o * n + k] = Math.min(inSize - 1, Math.max(0, i));
      sum += w;
    }
    for (let j = 0; j < k; j++) weights[o * n + j] = (weights[o * n + j] as number) / sum;
    count[o] = k;
  }
  return { n, count, index, weights };
}

/** Scratch of the horizontal pass, reused from call to call (the resize is synchronous: no call overlaps). */
let midScratch = new Float32Array(0);

/**
 * Resizes `img` to w×h (stretching) with a separable triangle filter: bilinear when enlarging, and when
 * shrinking a triangle as wide as the shrink factor, so every source pixel counts (no aliasing) — what
 * sharp's `kernel: "linear"` does, computed here in plain loops: for the dozen small crops of a frame a
 * trip through libvips' thread pool cost more than the arithmetic. Each output row is handed to `emit`
 * (rounded and clamped to bytes) as it is made; `row` is reused for the next one.
 */
export function resizeLinearRows(
  img: RawImage,
  w: number,
  h: number,
  emit: (y: number, row: Uint8ClampedArray) => void,
): void {
  const { width: iw, height: ih, data } = img;
  const tx = taps(iw, w);
  const ty = taps(ih, h);
  // Horizontal pass: ih rows × w columns × 3, float.
  if (midScratch.length < ih * w * 3) midScratch = new Float32Array(ih * w * 3);
  const mid = midScratch;
  for (let y = 0; y < ih; y++) {
    const row = y * iw * 3;
    let o = y * w * 3;
    for (let x = 0; x < w; x++, o += 3) {
      let r = 0;
      let g = 0;
      let b = 0;
      const c = tx.count[x] as number;
      for (let k = 0, t = x * tx.n; k < c; k++, t++) {
        const wt = tx.weights[t] as number;
        const p = row + (tx.index[t] as number) * 3;
        r += (data[p] as number) * wt;
        g += (data[p + 1] as number) * wt;
        b += (data[p + 2] as number) * wt;
      }
      mid[o] = r;
      mid[o + 1] = g;
      mid[o + 2] = b;
    }
  }
  // Vertical pass, a row at a time, rounded and clamped to bytes by the Uint8ClampedArray.
  const rowLen = w * 3;
  const acc = new Float32Array(rowLen);
  const bytes = new Uint8ClampedArray(rowLen);
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    const c = ty.count[y] as number;
    for (let k = 0, t = y * ty.n; k < c; k++, t++) {
      const wt = ty.weights[t] as number;
      const src = (ty.index[t] as number) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] = (acc[i] as number) + (mid[src + i] as number) * wt;
    }
    bytes.set(acc);
    emit(y, bytes);
  }
}

/** `resizeLinearRows` into a new w×h×3 byte image. */
export function resizeLinear(img: RawImage, w: number, h: number): Uint8Array {
  const rowLen = w * 3;
  const out = new Uint8Array(rowLen * h);
  resizeLinearRows(img, w, h, (y, row) => out.set(row, y * rowLen));
  return out;
}

/**
 * Below this many source pixels (a person, hand or head crop) the model input is resized here in plain
 * loops; whole frames go through sharp, which is faster on them (measured: a 60×160 crop to MoveNet's 192²
 * 0.5 ms here against 2.4 ms through sharp; a 640×480 frame to 384×288 7 ms here against 3 ms).
 */
export const SMALL_IMAGE_PIXELS = 256 * 256;

/** Resizes into the letterbox (grey 114 bars) or stretches (lb.padX = lb.padY = 0 with the full size). */
export async function toInputPixels(img: RawImage, lb: Letterbox): Promise<Uint8Array> {
  if (img.width * img.height > SMALL_IMAGE_PIXELS) return toInputPixelsSharp(img, lb);
  const inner = resizeLinear(img, lb.width, lb.height);
  if (lb.width === lb.inputWidth && lb.height === lb.inputHeight) return inner;
  const out = new Uint8Array(lb.inputWidth * lb.inputHeight * 3).fill(114);
  const row = lb.width * 3;
  for (let y = 0; y < lb.height; y++) {
    out.set(inner.subarray(y * row, (y + 1) * row), ((lb.padY + y) * lb.inputWidth + lb.padX) * 3);
  }
  return out;
}

/** The same with sharp (libvips): for whole frames, and the reference `resizeLinear` is tested against. */
export async function toInputPixelsSharp(img: RawImage, lb: Letterbox): Promise<Uint8Array> {
  let s = fromRaw(img).resize(lb.width, lb.height, { fit: "fill", kernel: "linear" });
  const right = lb.inputWidth - lb.width - lb.padX;
  const bottom = lb.inputHeight - lb.height - lb.padY;
  if (lb.padX || lb.padY || right || bottom) {
    s = s.extend({ top: lb.padY, bottom, left: lb.padX, right, background: { r: 114, g: 114, b: 114 } });
  }
  const buf = await s.raw().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * The region `r` of `img` (whole pixels, inside the image), copied row by row: the same bytes as sharp's
 * `extract`, without a trip through libvips' thread pool (a frame has a dozen crops).
 */
export async function crop(
  img: RawImage,
  r: { left: number; top: number; width: number; height: number },
): Promise<RawImage> {
  const { left, top, width, height } = r;
  if (
    !Number.isInteger(left) ||
    !Number.isInteger(top) ||
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    left < 0 ||
    top < 0 ||
    width < 1 ||
    height < 1 ||
    left + width > img.width ||
    top + height > img.height
  ) {
    throw new RangeError(
      `crop ${width}x${height}+${left}+${top} is not inside the ${img.width}x${img.height} image`,
    );
  }
  const data = new Uint8Array(width * height * 3);
  const row = width * 3;
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(from, from + row), y * row);
  }
  return { data, width, height };
}

/** A small grey thumbnail (motion gating, clean baseline): w×h bytes. */
export async function greyThumbnail(img: RawImage, w: number, h: number): Promise<Uint8Array> {
  const buf = await fromRaw(img).resize(w, h, { fit: "fill" }).greyscale().raw().toBuffer();
  // greyscale() with a 3-channel raw input may still emit 3 channels: keep the first.
  if (buf.length === w * h) return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  const out = new Uint8Array(w * h);
  const ch = buf.length / (w * h);
  for (let i = 0; i < out.length; i++) out[i] = buf[i * ch] as number;
  return out;
}

/** Linear light quantised to LINEAR_STEPS + 1 levels → sRGB byte (within 0.2 of a grey level). */
const LINEAR_STEPS = 16383;
const LINEAR_TO_SRGB = Uint8ClampedArray.from({ length: LINEAR_STEPS + 1 }, (_, i) => {
  const y = i / LINEAR_STEPS;
  return Math.round(255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055));
});
/** An sRGB byte's share of the luminance (Rec. 709 weight × linear light), in LINEAR_STEPS units. */
const lumaShare = (weight: number) =>
  Int32Array.from({ length: 256 }, (_, i) => {
    const v = i / 255;
    return Math.round(weight * LINEAR_STEPS * (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  });
const LUMA_R = lumaShare(0.2126);
const LUMA_G = lumaShare(0.7152);
const LUMA_B = lumaShare(0.0722);

/**
 * For each source index along an axis shrunk from `from` to `to` (to ≤ from): the output cell it falls in
 * first, and the share of the pixel that lies in that cell (the rest, if any, lies in the next one).
 */
function areaSplit(from: number, to: number): { cell: Int32Array; share: Float32Array } {
  const cell = new Int32Array(from);
  const share = new Float32Array(from);
  const scale = to / from;
  for (let i = 0; i < from; i++) {
    const a = i * scale;
    const o = Math.min(to - 1, Math.floor(a));
    cell[i] = o;
    share[i] = Math.min(1, (Math.min((i + 1) * scale, o + 1) - a) / scale);
  }
  return { cell, share };
}

/**
 * The grey thumbnail computed here in one pass over the frame: each pixel's luminance as libvips' `b-w`
 * gives it (Rec. 709 weights in linear light, sRGB-encoded again), then the mean over each thumbnail cell
 * (area average). Within 1–2 grey levels of `greyThumbnail` on camera frames (sharp: lanczos3, a few more
 * at sharp edges), in half the CPU (1.9 ms against 3.6 for 640×480 to 64×48): libvips converts every pixel to grey through its
 * colour pipeline. A thumbnail not smaller than the frame goes through sharp.
 */
export async function greyThumbnailArea(img: RawImage, w: number, h: number): Promise<Uint8Array> {
  const { width: iw, height: ih, data } = img;
  if (w > iw || h > ih) return greyThumbnail(img, w, h);
  const sx = areaSplit(iw, w);
  const sy = areaSplit(ih, h);
  const acc = new Float32Array(w * h);
  const row = new Float32Array(w + 1);
  const norm = (w / iw) * (h / ih);
  for (let y = 0; y < ih; y++) {
    row.fill(0);
    for (let x = 0, p = y * iw * 3; x < iw; x++, p += 3) {
      const lum =
        (LUMA_R[data[p] as number] as number) +
        (LUMA_G[data[p + 1] as number] as number) +
        (LUMA_B[data[p + 2] as number] as number);
      const g = LINEAR_TO_SRGB[lum] as number;
      const c = sx.cell[x] as number;
      const s = sx.share[x] as number;
      if (s === 1) row[c] = (row[c] as number) + g;
      else {
        row[c] = (row[c] as number) + g * s;
        row[c + 1] = (row[c + 1] as number) + g * (1 - s);
      }
    }
    const oy = sy.cell[y] as number;
    const s = sy.share[y] as number;
    const top = oy * w;
    for (let x = 0; x < w; x++) acc[top + x] = (acc[top + x] as number) + (row[x] as number) * s;
    if (s < 1 && oy + 1 < h) {
      const next = top + w;
      for (let x = 0; x < w; x++) acc[next + x] = (acc[next + x] as number) + (row[x] as number) * (1 - s);
    }
  }
  const out = new Uint8ClampedArray(w * h);
  for (let i = 0; i < out.length; i++) out[i] = (acc[i] as number) * norm;
  return new Uint8Array(out.buffer);
}
