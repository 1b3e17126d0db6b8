/**
 * Privacy masks rasterised for ffmpeg: the polygons (normalised [x, y] points) filled white on black at the
 * stream's size, as a binary PGM (Netpbm P5) that ffmpeg reads natively — no image library needed. White is
 * where the public output is blurred. Pure functions; the camera owner writes the file.
 */

export type Polygon = [number, number][];

/**
 * An 8-bit mask, width × height, 255 inside any polygon (even–odd rule, sampled at pixel centres), 0
 * elsewhere. The edge is grown by `growPx` pixels so that a mask drawn tight on a face still covers it
 * after the blur softens the boundary.
 */
export function rasteriseMask(polygons: Polygon[], width: number, height: number, growPx = 0): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const poly of polygons) fillPolygon(out, width, height, poly);
  return growPx > 0 ? dilate(out, width, height, growPx) : out;
}

/** Scanline fill of one polygon (even–odd), pixel centres. */
function fillPolygon(out: Uint8Array, width: number, height: number, poly: Polygon): void {
  if (poly.length < 3) return;
  const pts = poly.map(([x, y]) => [x * width, y * height] as const);
  const xs: number[] = [];
  for (let row = 0; row < height; row++) {
    const cy = row + 0.5;
    xs.length = 0;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i]!;
      const [xj, yj] = pts[j]!;
      if (yi > cy !== yj > cy) xs.push(xi + ((cy - yi) / (yj - yi)) * (xj - xi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(width - 1, Math.floor(xs[k + 1]! - 0.5));
      if (to >= from) out.fill(255, row * width + from, row * width + to + 1);
    }
  }
}

/** Square dilation by r pixels (separable: rows, then columns). */
function dilate(src: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!src[y * width + x]) continue;
      rows.fill(255, y * width + Math.max(0, x - r), y * width + Math.min(width - 1, x + r) + 1);
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!rows[y * width + x]) continue;
      for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) out[yy * width + x] = 255;
    }
  }
  return out;
}

/** The mask as a binary PGM file (P5, 8 bits). */
export function encodePgm(mask: Uint8Array, width: number, height: number): Buffer {
  if (mask.length !== width * height) throw new Error("mask size does not match width × height");
  return Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`, "ascii"), Buffer.from(mask)]);
}

/** A stable fingerprint of the masks: the owner rewrites the file and restarts only when it changes. */
export function masksKey(polygons: Polygon[] | undefined): string {
  return polygons?.length ? JSON.stringify(polygons) : "";
}
