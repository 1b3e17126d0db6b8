import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { JpegSplitter, jpegSize } from "./jpeg-splitter.js";

/** Three real JPEGs from ffmpeg's test source, back to back as image2pipe writes them. */
function realStream(): Buffer {
  return execFileSync("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=320x240:rate=5",
    "-frames:v",
    "3",
    "-c:v",
    "mjpeg",
    "-q:v",
    "5",
    "-f",
    "image2pipe",
    "pipe:1",
  ]);
}

describe("JpegSplitter", () => {
  it("splits a real MJPEG stream into its frames, whatever the chunking", () => {
    const stream = realStream();
    for (const chunk of [1, 7, 1000, stream.length]) {
      const frames: Buffer[] = [];
      const s = new JpegSplitter((f) => frames.push(f));
      for (let i = 0; i < stream.length; i += chunk) s.push(stream.subarray(i, i + chunk));
      expect(frames, `chunk ${chunk}`).toHaveLength(3);
      expect(Buffer.concat(frames).equals(stream)).toBe(true);
      for (const f of frames) expect(jpegSize(f)).toEqual({ width: 320, height: 240 });
    }
  });

  it("skips garbage between frames and drops an oversized partial frame", () => {
    const stream = realStream();
    const frames: Buffer[] = [];
    const s = new JpegSplitter((f) => frames.push(f), 4096);
    s.push(Buffer.from("garbage \xff\x00 bytes"));
    s.push(stream);
    expect(frames.length).toBe(3);
    const big: Buffer[] = [];
    const t = new JpegSplitter((f) => big.push(f), 100);
    t.push(Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(500, 1)]));
    t.push(stream);
    expect(big.length).toBe(3);
  });

  it("jpegSize refuses what is not a JPEG", () => {
    expect(jpegSize(Buffer.from("not a jpeg at all, really"))).toBeNull();
  });
});
