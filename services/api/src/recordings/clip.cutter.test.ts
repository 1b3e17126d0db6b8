/**
 * The cutter: which segments make a clip and what it covers (pure), and ffmpeg cutting real segments —
 * from a live folder, from a continuous chunk's byte ranges, across a restart of the camera's process —
 * with the time a 30 s clip takes.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { spreadMtimes, startHlsProducer } from "../../../../test/recordings/hls-producer.js";
import { cutMp4, follows, mergeSources, planClip } from "./clip.cutter.js";
import { chunkSegments, liveSegments, type SegmentRef } from "./segments.js";

vi.setConfig({ testTimeout: 120_000 });

const T0 = Date.parse("2026-12-07T08:00:00Z");
const seg = (i: number, over: Partial<SegmentRef> = {}): SegmentRef => ({
  file: `/x/seg-${1000 + i}.ts`,
  offset: 0,
  length: 10,
  start: new Date(T0 + i * 1000),
  durationMs: 1000,
  seq: 1000 + i,
  ...over,
});
const range = (a: number, b: number, over: (i: number) => Partial<SegmentRef> = () => ({})) =>
  Array.from({ length: b - a }, (_, k) => seg(a + k, over(a + k)));
const at = (s: number) => new Date(T0 + s * 1000);

describe("planning a clip", () => {
  it("is ready when the segments cover the window, partial with a hole or an early end, missing with none", () => {
    expect(planClip(range(0, 40), at(10), at(40), 1000)).toMatchObject({
      status: "ready",
      from: at(10),
      to: at(40),
      coveredMs: 30_000,
      gaps: 0,
    });
    expect(planClip(range(0, 40), at(10), at(40), 1000).segments).toHaveLength(30);
    // The camera went offline at 25 s.
    const early = planClip(range(0, 25), at(10), at(40), 1000);
    expect(early).toMatchObject({ status: "partial", from: at(10), to: at(25), gaps: 0 });
    // Offline from 20 to 30 s, then back (a new process: numbers jump).
    const holed = planClip([...range(0, 20), ...range(30, 45)], at(10), at(40), 1000);
    expect(holed).toMatchObject({ status: "partial", gaps: 1, coveredMs: 20_000 });
    // Started late.
    expect(planClip(range(15, 45), at(10), at(40), 1000).status).toBe("partial");
    expect(planClip(range(50, 60), at(10), at(40), 1000)).toMatchObject({ status: "missing", from: null });
  });

  it("takes the live folder first and a chunk's segments only where the live folder has none", () => {
    const chunk = range(0, 20, () => ({ file: "/rec/c.ts", seq: undefined }));
    const live = range(12, 30);
    const merged = mergeSources(live, chunk);
    expect(merged).toHaveLength(30);
    expect(merged.slice(0, 12).every((s) => s.file === "/rec/c.ts")).toBe(true);
    expect(merged.slice(12).every((s) => s.file.startsWith("/x/"))).toBe(true);
    expect(planClip(merged, at(0), at(30), 1000)).toMatchObject({ status: "ready", gaps: 0 });
  });

  it("follows by number in the live folder and by time elsewhere", () => {
    expect(follows(seg(1), seg(2), 500)).toBe(true);
    expect(follows(seg(1), seg(3, { start: at(2) }), 500)).toBe(false);
    const c = (i: number) => seg(i, { file: "/rec/c.ts", seq: undefined });
    expect(follows(c(1), c(2), 500)).toBe(true);
    expect(follows(c(1), c(4), 500)).toBe(false);
  });
});

const probe = (file: string) =>
  JSON.parse(
    execFileSync("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format=duration,format_name:stream=codec_name,nb_frames",
      "-of",
      "json",
      file,
    ]).toString(),
  ) as {
    format: { duration: string; format_name: string };
    streams: { codec_name: string; nb_frames: string }[];
  };

describe("cutting real segments with ffmpeg", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mf-cut-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("cuts a 30 s clip from a live folder (and says how long it took)", async () => {
    // 40 s of 1 s segments, as fast as ffmpeg encodes them, then given the file times of a live camera.
    const h = startHlsProducer(path.join(dir, "hls"), 1, {
      seconds: 40,
      realtime: false,
      listSize: 0,
      size: "1280x720",
    });
    await h.exited;
    spreadMtimes(h.dir);
    const segments = await liveSegments(path.join(dir, "hls"), 1, 1);
    expect(segments.length).toBeGreaterThanOrEqual(39);
    const start = segments[0]!.start.getTime();
    const plan = planClip(segments, new Date(start + 5000), new Date(start + 35_000), 1000);
    expect(plan.status).toBe("ready");
    const file = path.join(dir, "clips", "30s.mp4");
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await cutMp4({ ffmpeg: "ffmpeg", segments: plan.segments, file, timeoutMs: 60_000 });
      runs.push(r.ms);
      expect(r.sha256).toBe(createHash("sha256").update(readFileSync(file)).digest("hex"));
      expect(r.bytes).toBe(statSync(file).size);
    }
    const p = probe(file);
    expect(p.format.format_name).toContain("mp4");
    expect(p.streams[0]!.codec_name).toBe("h264");
    expect(Number(p.format.duration)).toBeGreaterThanOrEqual(29.5);
    expect(Number(p.format.duration)).toBeLessThanOrEqual(31);
    const bytes = statSync(file).size;
    console.log(
      `[clip bench] 30 s clip, 1280x720 testsrc, ${plan.segments.length} segments, ${(bytes / 1e6).toFixed(2)} MB: ` +
        `cut in ${runs.join(" / ")} ms`,
    );
  });

  it("cuts from a continuous chunk's byte ranges and across a restart of the camera's process", async () => {
    const a = startHlsProducer(path.join(dir, "hls"), 2, { seconds: 6, realtime: false, listSize: 0 });
    await a.exited;
    spreadMtimes(a.dir);
    const first = await liveSegments(path.join(dir, "hls"), 2, 1);
    // The chunk: the first run's segments concatenated into one file, with its parts.
    const chunkFile = path.join(dir, "rec", "chunk.ts");
    execFileSync("mkdir", ["-p", path.dirname(chunkFile)]);
    writeFileSync(chunkFile, Buffer.concat(first.map((s) => readFileSync(s.file))));
    const chunk = chunkSegments({
      file: chunkFile,
      startedAt: first[0]!.start,
      parts: first.map((s) => [s.length, s.durationMs] as [number, number]),
    });
    // A second run: its timestamps start again from zero.
    const b = startHlsProducer(path.join(dir, "hls2"), 2, { seconds: 4, realtime: false, listSize: 0 });
    await b.exited;
    spreadMtimes(b.dir);
    const second = (await liveSegments(path.join(dir, "hls2"), 2, 1)).map((s, i) => ({
      ...s,
      start: new Date(first.at(-1)!.start.getTime() + 5000 + i * 1000),
    }));
    const all = mergeSources(second, chunk);
    const plan = planClip(all, chunk[0]!.start, new Date(second.at(-1)!.start.getTime() + 1000), 1000);
    expect(plan).toMatchObject({ status: "partial", gaps: 1 });
    const file = path.join(dir, "clips", "two-runs.mp4");
    await cutMp4({ ffmpeg: "ffmpeg", segments: plan.segments, file, timeoutMs: 60_000 });
    const p = probe(file);
    // Both runs, one after the other (the hole between them is not in the file).
    expect(Number(p.format.duration)).toBeGreaterThanOrEqual(9);
    expect(Number(p.format.duration)).toBeLessThanOrEqual(11);
    expect(Number(p.streams[0]!.nb_frames)).toBeGreaterThanOrEqual(95);
  });

  it("fails clearly, leaving nothing behind, when a segment cannot be read", async () => {
    const file = path.join(dir, "clips", "bad.mp4");
    const missing: SegmentRef = {
      file: path.join(dir, "nope.ts"),
      offset: 0,
      length: 10,
      start: at(0),
      durationMs: 1000,
    };
    await expect(cutMp4({ ffmpeg: "ffmpeg", segments: [missing], file, timeoutMs: 10_000 })).rejects.toThrow(
      /ENOENT/,
    );
    expect(() => statSync(file)).toThrow();
    const garbage = path.join(dir, "garbage.ts");
    writeFileSync(garbage, Buffer.alloc(4096, 7));
    await expect(
      cutMp4({
        ffmpeg: "ffmpeg",
        segments: [{ ...missing, file: garbage, length: 4096 }],
        file,
        timeoutMs: 10_000,
      }),
    ).rejects.toThrow(/ffmpeg exited/);
    expect(() => statSync(file)).toThrow();
  });
});
