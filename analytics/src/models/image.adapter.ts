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

/** Resizes into the letterbox (grey 114 bars) or stretches (lb.padX = lb.padY = 0 with the full size). */
export async function toInputPixels(img: RawImage, lb: Letterbox): Promise<Uint8Array> {
  let s = fromRaw(img).resize(lb.width, lb.height, { fit: "fill", kernel: "linear" });
  const right = lb.inputWidth - lb.width - lb.padX;
  const bottom = lb.inputHeight - lb.height - lb.padY;
  if (lb.padX || lb.padY || right || bottom) {
    s = s.extend({ top: lb.padY, bottom, left: lb.padX, right, background: { r: 114, g: 114, b: 114 } });
  }
  const buf = await s.raw().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

export async function crop(
  img: RawImage,
  r: { left: number; top: number; width: number; height: number },
): Promise<RawImage> {
  const { data, info } = await fromRaw(img).extract(r).raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
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
