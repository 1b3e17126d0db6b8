/**
 * Splits ffmpeg's image2pipe MJPEG output (a byte stream of back-to-back JPEG files) into frames.
 * A baseline JPEG ends at EOI (FF D9); inside the entropy-coded data every FF is stuffed (FF 00) or a
 * restart marker (FF D0–D7), so the first EOI after an SOI closes the frame. Frames larger than the
 * limit are dropped (a corrupt stream never grows memory without bound).
 */
export class JpegSplitter {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onFrame: (jpeg: Buffer) => void,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const soi = this.findMarker(0xd8, 0);
      if (soi < 0) {
        // Keep a trailing FF: it may be the first half of the next SOI.
        this.buf =
          this.buf.length && this.buf[this.buf.length - 1] === 0xff ? this.buf.subarray(-1) : Buffer.alloc(0);
        return;
      }
      const eoi = this.findMarker(0xd9, soi + 2);
      if (eoi < 0) {
        this.buf = this.buf.subarray(soi);
        if (this.buf.length > this.maxBytes) this.buf = Buffer.alloc(0);
        return;
      }
      this.onFrame(Buffer.from(this.buf.subarray(soi, eoi + 2)));
      this.buf = this.buf.subarray(eoi + 2);
    }
  }

  private findMarker(code: number, from: number): number {
    let i = this.buf.indexOf(0xff, from);
    while (i >= 0 && i + 1 < this.buf.length) {
      if (this.buf[i + 1] === code) return i;
      i = this.buf.indexOf(0xff, i + 1);
    }
    return -1;
  }
}

/** Width and height from a JPEG's SOF marker, or null. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) return null;
    const marker = jpeg[i + 1]!;
    const len = jpeg.readUInt16BE(i + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return null;
}
