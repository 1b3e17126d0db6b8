import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildClipEncodeArgs,
  CLIP_RECIPES,
  type ClipRecipe,
  clipCacheKey,
  OPENCV_SAMPLES,
  parseProgressLine,
  validateRecipe,
} from "./clip-recipes.js";
import { ensureClips } from "./clips.js";

const tiny: ClipRecipe[] = [
  {
    name: "walk",
    description: "3 s of vtest",
    source: { kind: "video", path: `${OPENCV_SAMPLES}/vtest.avi`, start: 5, duration: 3 },
    fps: 10,
    main: { width: 384, height: 288, kbps: 300 },
    sub: { width: 240, height: 180, kbps: 100 },
  },
  {
    name: "still",
    description: "2 s of a still with a slow zoom",
    source: { kind: "still", path: `${OPENCV_SAMPLES}/messi5.jpg`, duration: 2 },
    fps: 8,
    mirror: true,
    main: { width: 320, height: 180, kbps: 200 },
    sub: { width: 160, height: 90, kbps: 80 },
  },
];

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

function probeFrames(file: string): { key: boolean; type: string }[] {
  const out = execFileSync(
    "ffprobe",
    [
      "-v",
      "error",
      "-select_streams",
      "v",
      "-show_entries",
      "frame=key_frame,pict_type",
      "-of",
      "csv=p=0",
      file,
    ],
    { encoding: "utf8" },
  );
  return out
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [k, t] = l.split(",");
      return { key: k === "1", type: t ?? "" };
    });
}

describe("clip recipes (pure)", () => {
  it("encodes with a one-second GOP, no B-frames, single-threaded bit-exact x264", () => {
    const args = buildClipEncodeArgs(tiny[0] as ClipRecipe, "main", "/x/out.mp4");
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after("-g")).toBe("10");
    expect(after("-keyint_min")).toBe("10");
    expect(after("-bf")).toBe("0");
    expect(after("-sc_threshold")).toBe("0");
    expect(after("-threads")).toBe("1");
    expect(after("-frames:v")).toBe("30");
    expect(after("-fflags")).toBe("+bitexact");
    expect(after("-ss")).toBe("5");
    expect(after("-vf")).toContain("scale=384:288");
    expect(args.at(-1)).toBe("/x/out.mp4");
    const sub = buildClipEncodeArgs(tiny[1] as ClipRecipe, "sub", "/x/s.mp4");
    expect(sub).toContain("-loop");
    expect(sub[sub.indexOf("-vf") + 1]).toMatch(/zoompan=.*s=160x90.*hflip/);
  });

  it("refuses recipes that would not loop on a keyframe or would not encode", () => {
    const base = tiny[0] as ClipRecipe;
    expect(() => validateRecipe({ ...base, name: "Bad Name" })).toThrow(/name/);
    expect(() => validateRecipe({ ...base, source: { ...base.source, duration: 2.5 } })).toThrow(/whole/);
    expect(() => validateRecipe({ ...base, main: { width: 321, height: 180, kbps: 1 } })).toThrow(/even/);
    for (const r of CLIP_RECIPES) expect(() => validateRecipe(r)).not.toThrow();
  });

  it("keys the cache by recipe and ffmpeg version", () => {
    const k = clipCacheKey(tiny, "ffmpeg 5.1");
    expect(clipCacheKey(tiny, "ffmpeg 5.1")).toBe(k);
    expect(clipCacheKey(tiny, "ffmpeg 6.0")).not.toBe(k);
    expect(
      clipCacheKey([{ ...(tiny[0] as ClipRecipe), fps: 12 }, tiny[1] as ClipRecipe], "ffmpeg 5.1"),
    ).not.toBe(k);
  });

  it("reads ffmpeg -progress lines", () => {
    expect(parseProgressLine("out_time_us=2500000")).toBe(2.5);
    expect(parseProgressLine("out_time_ms=1000000")).toBe(1);
    expect(parseProgressLine("frame=12")).toBeUndefined();
  });
});

describe("clips (real ffmpeg)", () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(path.join(tmpdir(), "mingfang-clips-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("makes the same bytes twice, keyframe every second, no B-frames, and caches them", async () => {
    const a = tmp();
    const b = tmp();
    const progress: number[] = [];
    const setA = await ensureClips({ dataDir: a, recipes: tiny, onProgress: (done) => progress.push(done) });
    const setB = await ensureClips({ dataDir: b, recipes: tiny });
    expect(setA.key).toBe(setB.key);
    expect(progress.at(-1)).toBe(10); // (3 + 2) s × 2 streams
    expect(progress.every((v, i) => i === 0 || v >= (progress[i - 1] ?? 0))).toBe(true);

    for (const [i, clip] of setA.clips.entries()) {
      const other = setB.clips[i];
      for (const stream of ["main", "sub"] as const) {
        expect(sha(clip[stream].path)).toBe(sha(other?.[stream].path ?? ""));
        const frames = probeFrames(clip[stream].path);
        expect(frames).toHaveLength(clip.duration * clip.fps);
        expect(frames.every((f) => f.type !== "B")).toBe(true);
        const keyIdx = frames.flatMap((f, j) => (f.key ? [j] : []));
        expect(keyIdx).toEqual(Array.from({ length: clip.duration }, (_, s) => s * clip.fps));
      }
      const size = execFileSync(
        "ffprobe",
        ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", clip.sub.path],
        { encoding: "utf8" },
      ).trim();
      expect(size).toBe(`${clip.sub.width},${clip.sub.height}`);
    }

    // Cached: a second call encodes nothing (the files keep their modification time).
    const first = setA.clips[0]?.main.path ?? "";
    const mtime = statSync(first).mtimeMs;
    const again = await ensureClips({
      dataDir: a,
      recipes: tiny,
      onProgress: () => expect.fail("re-encoded"),
    });
    expect(again.dir).toBe(setA.dir);
    expect(statSync(first).mtimeMs).toBe(mtime);
  }, 60_000);

  it("two makers at once on one cache: both get the same complete set, nothing half-made left", async () => {
    const d = tmp();
    const [x, y] = await Promise.all([
      ensureClips({ dataDir: d, recipes: tiny }),
      ensureClips({ dataDir: d, recipes: tiny }),
    ]);
    expect(x.dir).toBe(y.dir);
    for (const c of x.clips) expect(probeFrames(c.main.path)).toHaveLength(c.duration * c.fps);
    expect(readdirSync(path.join(d, "clips"))).toEqual([x.key]);
  }, 60_000);

  it("names the missing footage", async () => {
    const r: ClipRecipe = {
      ...(tiny[0] as ClipRecipe),
      source: { kind: "video", path: "/nope.avi", start: 0, duration: 1 },
    };
    await expect(ensureClips({ dataDir: tmp(), recipes: [r] })).rejects.toThrow(/nope\.avi.*opencv-doc/);
  });
});
