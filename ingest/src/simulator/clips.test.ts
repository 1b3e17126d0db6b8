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
  sceneAssets,
  sceneFilter,
  validateRecipe,
  workshopRecipe,
} from "./clip-recipes.js";
import { ensureClips } from "./clips.js";

/** A 160×120 drawn scene: grey background, a red square shown from 1 s to the end, light drift, noise. */
const rendered: ClipRecipe = {
  name: "drawn",
  description: "a drawn scene with a layer that appears",
  source: {
    kind: "rendered",
    duration: 3,
    width: 160,
    height: 120,
    background:
      '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="160" height="120" fill="#808080"/></svg>',
    layers: [
      {
        name: "square",
        svg: '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#ff0000"/></svg>',
        x: 100,
        y: 60,
        from: 1,
      },
      {
        name: "photo",
        image: `${OPENCV_SAMPLES}/box.png`,
        width: 40,
        rotateDeg: 20,
        x: 10,
        y: 10,
        from: 2,
        to: 3,
      },
    ],
    light: { gain: 0.05, contrast: 0.05 },
    noise: 4,
  },
  fps: 5,
  main: { width: 160, height: 120, kbps: 200 },
  sub: { width: 80, height: 60, kbps: 100 },
};

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

  it("crops a close-up before scaling", () => {
    const closeUp = CLIP_RECIPES.find((r) => r.name === "close-up") as ClipRecipe;
    const args = buildClipEncodeArgs(closeUp, "sub", "/x/c.mp4");
    expect(args[args.indexOf("-vf") + 1]).toBe(
      "fps=10,crop=384:288:100:200,scale=640:480:flags=bicubic,format=yuv420p,setsar=1",
    );
  });

  it("draws a rendered scene: layers overlaid in their time windows, light drift, noise, then the stream size", () => {
    const args = buildClipEncodeArgs(rendered, "sub", "/x/d.mp4", "/assets");
    const inputs = args.flatMap((a, i) => (a === "-i" ? [args[i + 1]] : []));
    expect(inputs).toEqual([
      "/assets/drawn.background.svg",
      "/assets/drawn.square.svg",
      `${OPENCV_SAMPLES}/box.png`,
    ]);
    expect(args[args.indexOf("-filter_complex_threads") + 1]).toBe("1");
    expect(args[args.indexOf("-map") + 1]).toBe("[v]");
    const graph = sceneFilter(rendered, "sub").split(";");
    expect(graph[0]).toBe("[0:v]loop=loop=-1:size=1:start=0,setpts=N/5/TB,scale=160:120,format=yuv420p[s0]");
    expect(graph).toContain("[s0][l1]overlay=x=100:y=60:enable='between(t,1,3)':format=yuv420[s1]");
    expect(graph).toContain("[s1][l2]overlay=x=10:y=10:enable='between(t,2,3)':format=yuv420[s2]");
    expect(graph.find((g) => g.startsWith("[2:v]"))).toMatch(/scale=40:-2,rotate=0\.3491:c=none/);
    expect(graph.at(-1)).toBe(
      "[s2]eq=contrast='(1+0.05*sin(2*PI*t/3))*(1+0.05*sin(2*PI*t/3+1.3))':brightness='0.5*(1+0.05*sin(2*PI*t/3+1.3))*((1+0.05*sin(2*PI*t/3))-1)':saturation='(1+0.05*sin(2*PI*t/3))*(1+0.05*sin(2*PI*t/3+1.3))':eval=frame,noise=alls=4:allf=t,scale=80:60:flags=bicubic,format=yuv420p,setsar=1[v]",
    );
    expect(sceneAssets(rendered).map((a) => a.file)).toEqual(["drawn.background.svg", "drawn.square.svg"]);
    expect(sceneAssets(tiny[0] as ClipRecipe)).toEqual([]);
  });

  it("makes the workshop mess appear piece by piece from its second, and a clean workshop without layers", () => {
    const mess = workshopRecipe({ name: "m", description: "m", duration: 120, messAt: 60, messStepS: 5 });
    expect(mess.source.kind).toBe("rendered");
    if (mess.source.kind !== "rendered") return;
    expect(mess.source.layers.map((l) => l.from)).toEqual([60, 65, 70, 75, 75]);
    expect(mess.source.layers.every((l) => l.to === undefined)).toBe(true);
    const clean = workshopRecipe({ name: "c", description: "c", duration: 60 });
    expect(clean.source.kind === "rendered" && clean.source.layers).toEqual([]);
    expect(() => validateRecipe(mess)).not.toThrow();
  });

  it("refuses recipes that would not loop on a keyframe or would not encode", () => {
    const base = tiny[0] as ClipRecipe;
    expect(() => validateRecipe({ ...base, name: "Bad Name" })).toThrow(/name/);
    expect(() => validateRecipe({ ...base, source: { ...base.source, duration: 2.5 } })).toThrow(/whole/);
    expect(() => validateRecipe({ ...base, main: { width: 321, height: 180, kbps: 1 } })).toThrow(/even/);
    for (const r of CLIP_RECIPES) expect(() => validateRecipe(r)).not.toThrow();
    const src = rendered.source as Extract<ClipRecipe["source"], { kind: "rendered" }>;
    const layer = src.layers[0] as NonNullable<(typeof src.layers)[0]>;
    const withLayers = (layers: typeof src.layers) => ({ ...rendered, source: { ...src, layers } });
    expect(() => validateRecipe(withLayers([{ ...layer, to: 4 }]))).toThrow(/from < to <= duration/);
    expect(() => validateRecipe(withLayers([layer, layer]))).toThrow(/used twice/);
    expect(() => validateRecipe(withLayers([{ ...layer, image: "/x.png" }]))).toThrow(/svg or image/);
    expect(() => validateRecipe(withLayers([{ ...layer, svg: "<html/>" }]))).toThrow(/SVG document/);
    expect(() => validateRecipe({ ...rendered, source: { ...src, background: "nope" } })).toThrow(/SVG/);
    expect(() =>
      validateRecipe({ ...rendered, source: { ...src, light: { gain: 2, contrast: 0 } } }),
    ).toThrow(/light/);
    const video = tiny[0] as ClipRecipe & { source: { kind: "video" } };
    expect(() =>
      validateRecipe({ ...video, source: { ...video.source, crop: { x: 0, y: 0, width: 8, height: 8 } } }),
    ).toThrow(/crop/);
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

  it("renders a drawn scene: the same bytes twice, keyframe every second, the layer only in its time window", async () => {
    const [a, b] = await Promise.all([
      ensureClips({ dataDir: tmp(), recipes: [rendered] }),
      ensureClips({ dataDir: tmp(), recipes: [rendered] }),
    ]);
    const clip = a.clips[0] as NonNullable<(typeof a.clips)[0]>;
    for (const stream of ["main", "sub"] as const) {
      expect(sha(clip[stream].path)).toBe(sha(b.clips[0]?.[stream].path ?? ""));
      const frames = probeFrames(clip[stream].path);
      expect(frames).toHaveLength(15);
      expect(frames.flatMap((f, j) => (f.key ? [j] : []))).toEqual([0, 5, 10]);
    }
    // The pixel at the square's centre (120, 80): grey before 1 s, red after.
    const rgbAt = (seconds: number) => {
      const raw = execFileSync(
        "ffmpeg",
        ["-loglevel", "error", "-ss", String(seconds), "-i", clip.main.path, "-frames:v", "1"].concat([
          "-vf",
          "crop=2:2:120:80",
          "-f",
          "rawvideo",
          "-pix_fmt",
          "rgb24",
          "-",
        ]),
      );
      return [...raw];
    };
    const [r0, g0] = rgbAt(0.4);
    const [r1, g1] = rgbAt(1.6);
    expect(Math.abs((r0 ?? 0) - (g0 ?? 0))).toBeLessThan(30); // grey
    expect((r1 ?? 0) - (g1 ?? 0)).toBeGreaterThan(120); // red
    expect(readdirSync(a.dir)).toContain("drawn.square.svg");
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
