/**
 * Recipes of the simulator's clips: which footage, which cut, which encoding. Pure data and pure functions
 * (the ffmpeg argument lists are built here and unit-tested without ffmpeg); `clips.ts` runs them.
 *
 * Every clip is encoded twice, a main stream (live view) and a sub-stream (analysis), with the same field of
 * view, as a real camera does. The encoding is fixed so that the same recipe gives the same bytes on any
 * machine with the same ffmpeg/x264: single-threaded x264, fixed GOP (1 s), no B-frames (low latency, as
 * surveillance cameras), no scene-cut keyframes, bit-exact muxing without metadata.
 *
 * Analytics engineers add scenario clips by appending to `CLIP_RECIPES` (or passing their own list to
 * `ensureClips`): a recipe is a source (a video cut, or a still image with a slow pan) and a description.
 */
import { createHash } from "node:crypto";

/** Where Debian's `opencv-doc` package puts OpenCV's sample data (real footage a fresh machine can install). */
export const OPENCV_SAMPLES = "/usr/share/doc/opencv-doc/examples/data";

export type StreamName = "main" | "sub";

export interface StreamProfile {
  width: number;
  height: number;
  /** Target bitrate (kbit/s); the encoder is capped at 1.5× this with a 2 s buffer. */
  kbps: number;
}

export type ClipSource =
  /** A cut of a video file: `start` and `duration` in seconds. */
  | { kind: "video"; path: string; start: number; duration: number }
  /** A still image shown for `duration` seconds with a slow zoom (so that the stream is not frozen). */
  | { kind: "still"; path: string; duration: number };

export interface ClipRecipe {
  /** File-name-safe name: `[a-z0-9-]+`. */
  name: string;
  description: string;
  source: ClipSource;
  /** Frames per second of both streams; the GOP is one second (`-g fps`). */
  fps: number;
  /** Mirror the picture horizontally (a cheap second scene from the same footage). */
  mirror?: boolean;
  main: StreamProfile;
  sub: StreamProfile;
}

/**
 * Bump when the encoding below changes in a way the recipe does not show: the cache key changes with it.
 * The ffmpeg version is part of the key too (see `clipCacheKey`).
 */
export const ENCODER_REVISION = 1;

const PAL_MAIN: StreamProfile = { width: 768, height: 576, kbps: 900 };
const PAL_SUB: StreamProfile = { width: 480, height: 360, kbps: 300 };

/**
 * The default clips. `vtest.avi` (OpenCV's sample, 768×576 at 10 fps, 79.5 s) shows real pedestrians crossing
 * a square, filmed from above like a surveillance camera. 60 s cut from 2 s in: 60 whole GOPs.
 */
export const CLIP_RECIPES: readonly ClipRecipe[] = [
  {
    name: "pedestrians",
    description: "OpenCV vtest.avi: pedestrians on a square, seen from above (real footage)",
    source: { kind: "video", path: `${OPENCV_SAMPLES}/vtest.avi`, start: 2, duration: 60 },
    fps: 10,
    main: PAL_MAIN,
    sub: PAL_SUB,
  },
  {
    name: "pedestrians-mirrored",
    description: "The same footage mirrored and cut from a later start: a second scene",
    source: { kind: "video", path: `${OPENCV_SAMPLES}/vtest.avi`, start: 17, duration: 60 },
    fps: 10,
    mirror: true,
    main: PAL_MAIN,
    sub: PAL_SUB,
  },
];

const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

export function validateRecipe(recipe: ClipRecipe): void {
  if (!NAME_RE.test(recipe.name)) throw new Error(`clip recipe name "${recipe.name}" must match ${NAME_RE}`);
  if (!Number.isInteger(recipe.fps) || recipe.fps < 1 || recipe.fps > 60)
    throw new Error(`clip recipe "${recipe.name}": fps must be an integer in 1..60`);
  const d = recipe.source.duration;
  if (!(d > 0) || !Number.isInteger(d)) {
    // Whole seconds make whole GOPs, so that the loop point is a keyframe boundary.
    throw new Error(`clip recipe "${recipe.name}": duration must be a positive whole number of seconds`);
  }
  for (const [which, p] of [
    ["main", recipe.main],
    ["sub", recipe.sub],
  ] as const) {
    if (p.width % 2 !== 0 || p.height % 2 !== 0 || p.width < 16 || p.height < 16)
      throw new Error(`clip recipe "${recipe.name}": ${which} size must be even and at least 16×16`);
  }
}

/** Cache key of a recipe list: a hash of the recipes, the encoder revision and the ffmpeg version line. */
export function clipCacheKey(recipes: readonly ClipRecipe[], ffmpegVersion: string): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ revision: ENCODER_REVISION, ffmpeg: ffmpegVersion, recipes }));
  return h.digest("hex").slice(0, 16);
}

export function clipFileName(recipe: ClipRecipe, stream: StreamName): string {
  return `${recipe.name}-${stream}.mp4`;
}

/** The video filter chain: cut/normalise the frame rate, mirror, scale to the stream's size. */
export function videoFilter(recipe: ClipRecipe, stream: StreamName): string {
  const p = recipe[stream];
  const steps: string[] = [];
  if (recipe.source.kind === "still") {
    // A slow zoom in and back out over the clip, so that the loop point matches (zoom 1.0 at both ends).
    const frames = recipe.source.duration * recipe.fps;
    steps.push(
      `scale=${p.width * 2}:${p.height * 2}:force_original_aspect_ratio=increase`,
      `crop=${p.width * 2}:${p.height * 2}`,
      `zoompan=z='1+0.15*sin(PI*on/${frames})':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${p.width}x${p.height}:fps=${recipe.fps}`,
    );
  } else {
    steps.push(`fps=${recipe.fps}`, `scale=${p.width}:${p.height}:flags=bicubic`);
  }
  if (recipe.mirror) steps.push("hflip");
  steps.push("format=yuv420p", "setsar=1");
  return steps.join(",");
}

/** The ffmpeg arguments that encode one stream of one recipe to `outPath` (progress on stdout). */
export function buildClipEncodeArgs(recipe: ClipRecipe, stream: StreamName, outPath: string): string[] {
  validateRecipe(recipe);
  const p = recipe[stream];
  const src = recipe.source;
  const input =
    src.kind === "video"
      ? ["-ss", String(src.start), "-t", String(src.duration), "-i", src.path]
      : ["-loop", "1", "-framerate", String(recipe.fps), "-t", String(src.duration), "-i", src.path];
  const frames = src.duration * recipe.fps;
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-y",
    "-progress",
    "pipe:1",
    "-nostats",
    ...input,
    "-an",
    "-sn",
    "-dn",
    "-vf",
    videoFilter(recipe, stream),
    "-frames:v",
    String(frames),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-profile:v",
    "main",
    "-threads",
    "1",
    "-x264-params",
    "threads=1:lookahead-threads=1:sliced-threads=0",
    "-g",
    String(recipe.fps),
    "-keyint_min",
    String(recipe.fps),
    "-sc_threshold",
    "0",
    "-bf",
    "0",
    "-b:v",
    `${p.kbps}k`,
    "-maxrate",
    `${Math.round(p.kbps * 1.5)}k`,
    "-bufsize",
    `${p.kbps * 2}k`,
    "-r",
    String(recipe.fps),
    "-fflags",
    "+bitexact",
    "-flags:v",
    "+bitexact",
    "-map_metadata",
    "-1",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    outPath,
  ];
}

/** Seconds of output encoded so far, from one `-progress` line (`out_time_us=…`); undefined otherwise. */
export function parseProgressLine(line: string): number | undefined {
  const m = /^out_time_(?:us|ms)=(\d+)$/.exec(line.trim());
  if (!m?.[1]) return undefined;
  // ffmpeg 5 prints microseconds under both names.
  return Number(m[1]) / 1e6;
}
