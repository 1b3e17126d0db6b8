import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type FileRange, RemuxError, remux } from "./remux.js";

const dir = mkdtempSync(path.join(tmpdir(), "mingfang-remux-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 3 s H.264 MPEG-TS test pattern. */
function testTs(): string {
  const file = path.join(dir, "in.ts");
  execFileSync("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=3"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "mpegts", "-y", file],
  ]);
  return file;
}

const durationOf = (file: string) =>
  Number(
    execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file])
      .toString()
      .trim(),
  );

describe("remux", () => {
  it("feeds many ranges to one ffmpeg in order, without piling listeners on its stdin", async () => {
    const file = testTs();
    const size = statSync(file).size;
    const packets = size / 188;
    const per = Math.ceil(packets / 15);
    const ranges: FileRange[] = [];
    for (let p = 0; p < packets; p += per)
      ranges.push({ file, offset: p * 188, length: Math.min(per, packets - p) * 188 });
    expect(ranges.length).toBeGreaterThan(10);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const out = path.join(dir, "out.mp4");
      await remux(ranges, out, { timeoutMs: 60_000 });
      expect(durationOf(out)).toBeGreaterThan(2.5);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.includes("MaxListeners"))).toEqual([]);
  });

  it("names an unreadable range as the cause", async () => {
    const file = testTs();
    const ranges = [
      { file, offset: 0, length: 188 * 100 },
      { file: path.join(dir, "gone.ts"), offset: 0, length: 188 },
    ];
    await expect(remux(ranges, path.join(dir, "bad.mp4"), { timeoutMs: 60_000 })).rejects.toThrow(RemuxError);
    await expect(remux(ranges, path.join(dir, "bad.mp4"), { timeoutMs: 60_000 })).rejects.toThrow(
      /reading the video failed/,
    );
  });
});
