/**
 * Tensor packing: interleaved 8-bit pixels (HWC, as sharp's raw output) → planar float32 (NCHW), scaled
 * to 0..1 or normalised per channel (mean/std), as a model's card asks.
 */

export interface PackOptions {
  /** Per-channel mean subtracted after scaling to 0..1 (default 0). */
  mean?: readonly number[];
  /** Per-channel standard deviation divided by (default 1). */
  std?: readonly number[];
  /** Reverse the channel order (RGB → BGR). */
  bgr?: boolean;
  /** Scale of the 8-bit values before mean/std: 1/255 (default) gives 0..1; 1 keeps 0..255. */
  scale?: number;
}

/** Packs `width×height×channels` interleaved bytes into a new NCHW Float32Array (batch 1). */
export function packHwcToNchw(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  opts: PackOptions = {},
  out?: Float32Array,
): Float32Array {
  const plane = width * height;
  if (pixels.length !== plane * channels) {
    throw new RangeError(`pixel buffer has ${pixels.length} bytes, expected ${plane * channels}`);
  }
  const result = out ?? new Float32Array(plane * channels);
  if (result.length !== plane * channels) throw new RangeError("output tensor has the wrong length");
  const scale = opts.scale ?? 1 / 255;
  for (let c = 0; c < channels; c++) {
    const src = opts.bgr ? channels - 1 - c : c;
    const mean = opts.mean?.[c] ?? 0;
    const inv = 1 / (opts.std?.[c] ?? 1);
    const base = c * plane;
    for (let i = 0, j = src; i < plane; i++, j += channels) {
      result[base + i] = ((pixels[j] as number) * scale - mean) * inv;
    }
  }
  return result;
}

/**
 * Packs one row of interleaved bytes into an NCHW tensor of `width×height`, at column `x0` of row `y`:
 * the same values as `packHwcToNchw` gives those pixels. With `fillNchw` for the bars, a letterboxed
 * input is packed as it is resized, a row at a time, without an image of its own.
 */
export function packRowToNchw(
  row: ArrayLike<number>,
  x0: number,
  y: number,
  width: number,
  height: number,
  channels: number,
  opts: PackOptions,
  out: Float32Array,
): void {
  const n = row.length / channels;
  if (!Number.isInteger(n) || x0 < 0 || x0 + n > width || y < 0 || y >= height)
    throw new RangeError(`row of ${row.length} bytes at (${x0}, ${y}) is not inside ${width}x${height}`);
  const plane = width * height;
  const scale = opts.scale ?? 1 / 255;
  for (let c = 0; c < channels; c++) {
    const src = opts.bgr ? channels - 1 - c : c;
    const mean = opts.mean?.[c] ?? 0;
    const inv = 1 / (opts.std?.[c] ?? 1);
    const base = c * plane + y * width + x0;
    for (let i = 0, j = src; i < n; i++, j += channels) {
      out[base + i] = ((row[j] as number) * scale - mean) * inv;
    }
  }
}

/** Every pixel of an NCHW tensor set to the packed value of the byte `v` in each channel (letterbox bars). */
export function fillNchw(
  v: number,
  width: number,
  height: number,
  channels: number,
  opts: PackOptions,
  out: Float32Array,
): void {
  const plane = width * height;
  const scale = opts.scale ?? 1 / 255;
  for (let c = 0; c < channels; c++) {
    const mean = opts.mean?.[c] ?? 0;
    const inv = 1 / (opts.std?.[c] ?? 1);
    out.fill((v * scale - mean) * inv, c * plane, (c + 1) * plane);
  }
}

/** Packs interleaved bytes into NHWC float32 (the layout of TF.js-converted graphs). */
export function packHwc(pixels: Uint8Array, opts: PackOptions = {}, channels = 3): Float32Array {
  const scale = opts.scale ?? 1 / 255;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % channels;
    const mean = opts.mean?.[c] ?? 0;
    const std = opts.std?.[c] ?? 1;
    out[i] = ((pixels[i] as number) * scale - mean) / std;
  }
  return out;
}
