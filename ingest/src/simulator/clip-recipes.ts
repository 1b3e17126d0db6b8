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
import {
  bagSvg,
  cardboardBoxSvg,
  lensCoverSvg,
  puddleSvg,
  SCENE_HEIGHT,
  SCENE_WIDTH,
  type SceneLayer,
  type WorkshopVariant,
  workshopSvg,
  worktopMessSvg,
} from "./rendered-scenes.js";

/** Where Debian's `opencv-doc` package puts OpenCV's sample data (real footage a fresh machine can install). */
export const OPENCV_SAMPLES = "/usr/share/doc/opencv-doc/examples/data";

export type StreamName = "main" | "sub";

export interface StreamProfile {
  width: number;
  height: number;
  /** Target bitrate (kbit/s); the encoder is capped at 1.5× this with a 2 s buffer. */
  kbps: number;
}

/** A rectangle of the source picture, in its pixels. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Light that drifts over the clip (daylight, a camera's auto-exposure): an exposure gain G(t) =
 * 1 + offset + gain·sin(2πt/T) that scales the picture, and a contrast wave C(t) = 1 + contrast·sin(2πt/T
 * + 1.3) around mid-grey; R, G and B alike (as a camera's gain and black level: a luma-only shift pushes
 * saturated colours out of range in one channel and changes the picture's structure, which no light
 * does). T is the clip's length, so the loop point matches. ffmpeg `eq`, per frame.
 */
export interface LightDrift {
  /** Amplitude of the exposure gain (0.12 = ±12 %). */
  gain: number;
  /** Amplitude of the contrast wave (0.08 = ±8 %). */
  contrast: number;
  /** Constant exposure shift (−0.2: a room 20 % dimmer); default 0. */
  offset?: number;
}

export type ClipSource =
  /** A cut of a video file: `start` and `duration` in seconds; `crop`: a close-up of part of the picture. */
  | { kind: "video"; path: string; start: number; duration: number; crop?: CropRect }
  /** A still image shown for `duration` seconds with a slow zoom (so that the stream is not frozen). */
  | { kind: "still"; path: string; duration: number }
  /**
   * A drawn scene (rendered-scenes.ts): an SVG background the size of the canvas, layers that appear and
   * go at given seconds (`overlay=enable='between(t,a,b)'`), light drift (`eq`) and sensor noise (`noise`,
   * temporal, fixed seed: the same bytes every time).
   */
  | {
      kind: "rendered";
      duration: number;
      width: number;
      height: number;
      background: string;
      layers: SceneLayer[];
      light?: LightDrift;
      /** Sensor noise strength (ffmpeg `noise` alls, 0..100); 0 or absent: none. */
      noise?: number;
    };

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
  /**
   * Also encode the camera-tampering variants of this clip (`<name>--cover|shift|blur`, the first
   * `TAMPER_VARIANT_S` seconds), which the RTSP process switches to on the faults `cover`, `shift`, `blur`.
   */
  tamperFaults?: boolean;
  /** This recipe is a tampering variant: the effect drawn over the source (see `tamperSteps`). */
  tamper?: TamperEffect;
}

/** What a tampered camera shows: its lens covered, its view turned, its focus lost. */
export type TamperEffect = "cover" | "shift" | "blur";
export const TAMPER_EFFECTS: readonly TamperEffect[] = ["cover", "shift", "blur"];
/** Length of a tampering variant (seconds): short, so that encoding them costs little. */
export const TAMPER_VARIANT_S = 4;

export function tamperVariantName(name: string, effect: TamperEffect): string {
  return `${name}--${effect}`;
}

/**
 * The filter steps of a tampering effect, applied to the source picture (before the light drift and
 * the sensor noise of a drawn scene, before the stream's scaling):
 * cover — a hand or cloth over the lens: a dark, nearly uniform brown with a little noise;
 * shift — the camera turned and tilted: the view 22 % to the right and 12 % down (a 78 % crop, scaled
 * back, as if it also zoomed a little);
 * blur — the focus lost: a Gaussian blur of σ = 6 px at the source's size.
 */
export function tamperSteps(effect: TamperEffect): string[] {
  if (effect === "cover") return ["drawbox=x=0:y=0:w=iw:h=ih:color=0x2b2622@1:t=fill", "noise=alls=4:allf=t"];
  if (effect === "shift") return ["crop=trunc(iw*0.78/2)*2:trunc(ih*0.78/2)*2:trunc(iw*0.22):trunc(ih*0.12)"];
  return ["gblur=sigma=6"];
}

/** The recipes and, for each that asks (`tamperFaults`), its three tampering variants (short clips). */
export function withTamperVariants(recipes: readonly ClipRecipe[]): ClipRecipe[] {
  const names = new Set(recipes.map((r) => r.name));
  const out = [...recipes];
  for (const r of recipes) {
    if (!r.tamperFaults || r.tamper) continue;
    for (const effect of TAMPER_EFFECTS) {
      const name = tamperVariantName(r.name, effect);
      if (names.has(name)) continue;
      const { tamperFaults: _, ...rest } = r;
      out.push({
        ...rest,
        name,
        description: `${r.description} — tampered: ${effect}`,
        tamper: effect,
        source: shortened(r.source),
      });
    }
  }
  return out;
}

/** The first TAMPER_VARIANT_S seconds of a source (drawn layers clipped to them). */
function shortened(src: ClipSource): ClipSource {
  const d = Math.min(src.duration, TAMPER_VARIANT_S);
  if (src.kind !== "rendered") return { ...src, duration: d };
  const layers = src.layers
    .filter((l) => (l.from ?? 0) < d)
    .map((l) => ({
      ...l,
      ...(l.to !== undefined || l.from !== undefined ? { to: Math.min(l.to ?? d, d) } : {}),
    }));
  return { ...src, duration: d, layers };
}

/**
 * Bump when the encoding below changes in a way the recipe does not show: the cache key changes with it.
 * The ffmpeg version is part of the key too (see `clipCacheKey`).
 */
export const ENCODER_REVISION = 1;

const PAL_MAIN: StreamProfile = { width: 768, height: 576, kbps: 900 };
const PAL_SUB: StreamProfile = { width: 480, height: 360, kbps: 300 };
/** A VGA sub-stream (many IP cameras offer it): more pixels on hands for the close-up camera. */
const VGA_SUB: StreamProfile = { width: 640, height: 480, kbps: 450 };

export interface WorkshopRecipeOptions {
  name: string;
  description: string;
  variant?: WorkshopVariant;
  /** Seconds. */
  duration: number;
  /** Second at which the mess starts to appear (the pieces follow every `messStepS`); absent: clean. */
  messAt?: number;
  /** Seconds between the pieces of the mess (default 6). */
  messStepS?: number;
  light?: LightDrift;
  noise?: number;
  fps?: number;
}

/**
 * A rendered workshop (rendered-scenes.ts). With `messAt`, the mess appears piece by piece from that
 * second — scraps, a spill and paper on the worktop; a cardboard box, a puddle, a discarded packaging box
 * (OpenCV's box.png photo) and a bag on the floor — and lies still until the loop (then it is "cleaned").
 */
export function workshopRecipe(o: WorkshopRecipeOptions): ClipRecipe {
  const step = o.messStepS ?? 6;
  const at = (i: number) => (o.messAt !== undefined ? { from: o.messAt + i * step } : {});
  const layers: SceneLayer[] =
    o.messAt === undefined
      ? []
      : [
          { name: "worktop-mess", svg: worktopMessSvg(), x: 250, y: 322, ...at(0) },
          { name: "cardboard-box", svg: cardboardBoxSvg(), x: 90, y: 452, ...at(1) },
          { name: "puddle", svg: puddleSvg(), x: 400, y: 486, ...at(2) },
          {
            name: "packaging",
            image: `${OPENCV_SAMPLES}/box.png`,
            width: 110,
            rotateDeg: 28,
            x: 596,
            y: 446,
            ...at(3),
          },
          { name: "bag", svg: bagSvg(), x: 290, y: 470, ...at(3) },
        ];
  return {
    name: o.name,
    description: o.description,
    source: {
      kind: "rendered",
      duration: o.duration,
      width: SCENE_WIDTH,
      height: SCENE_HEIGHT,
      background: workshopSvg(o.variant ?? "processing"),
      layers,
      ...(o.light ? { light: o.light } : {}),
      ...(o.noise ? { noise: o.noise } : {}),
    },
    fps: o.fps ?? 5,
    main: PAL_MAIN,
    sub: PAL_SUB,
  };
}

/** When the demo's tampered workshop has its lens covered (seconds of its 100 s clip). */
export const LENS_COVERED = { from: 60, to: 90 } as const;

/**
 * The drawn processing room, clean, whose lens a hand covers from 60 s to 90 s of a 100 s loop: the
 * demo's `camera_covered` scene (the light drift and noise go on over the hand, as a camera's would).
 */
function coveredWorkshopRecipe(): ClipRecipe {
  const r = workshopRecipe({
    name: "workshop-covered",
    description:
      "Drawn processing room, clean; a hand covers the lens from 60 s to 90 s of the 100 s loop; light drift and sensor noise",
    duration: 100,
    light: { gain: 0.12, contrast: 0.08 },
    noise: 6,
  });
  if (r.source.kind === "rendered")
    r.source.layers.push({ name: "lens-cover", svg: lensCoverSvg(), x: 0, y: 0, ...LENS_COVERED });
  return r;
}

/**
 * The default clips, each a scene of the demo (demo-scenes.ts says which check each should raise).
 * `vtest.avi` (OpenCV's sample, 768×576 at 10 fps, 79.5 s) shows real pedestrians crossing a square, filmed
 * from above like a surveillance camera; the workshops are drawn (rendered-scenes.ts).
 */
export const CLIP_RECIPES: readonly ClipRecipe[] = [
  {
    name: "pedestrians",
    description: "OpenCV vtest.avi: pedestrians on a square, seen from above (real footage)",
    source: { kind: "video", path: `${OPENCV_SAMPLES}/vtest.avi`, start: 2, duration: 60 },
    fps: 10,
    main: PAL_MAIN,
    sub: PAL_SUB,
    tamperFaults: true,
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
  {
    name: "close-up",
    description:
      "OpenCV vtest.avi, a close-up (2× zoom) of the lawn where people walk nearest the camera, 46–70 s: bare hands large enough to classify",
    source: {
      kind: "video",
      path: `${OPENCV_SAMPLES}/vtest.avi`,
      start: 46,
      duration: 24,
      crop: { x: 100, y: 200, width: 384, height: 288 },
    },
    fps: 10,
    main: PAL_MAIN,
    sub: VGA_SUB,
  },
  workshopRecipe({
    name: "workshop-mess",
    description:
      "Drawn processing room: clean for 60 s, then scraps, a spill and paper on the worktop and a box, a puddle, packaging and a bag on the floor, lying still until the loop; light drift and sensor noise",
    duration: 120,
    messAt: 60,
    light: { gain: 0.12, contrast: 0.08 },
    noise: 6,
  }),
  {
    ...workshopRecipe({
      name: "workshop-clean",
      description: "Drawn processing room, clean and empty throughout; light drift and sensor noise",
      duration: 60,
      light: { gain: 0.12, contrast: 0.08 },
      noise: 6,
    }),
    tamperFaults: true,
  },
  coveredWorkshopRecipe(),
  workshopRecipe({
    name: "workshop-after-hours",
    description:
      "Drawn workshop between shifts (crates on the worktop): empty and clean, lights dimmed (exposure −15 %), a stronger light drift (exposure ±15 %, contrast ±10 %) and more sensor noise",
    variant: "crates",
    duration: 60,
    light: { gain: 0.15, contrast: 0.1, offset: -0.15 },
    noise: 8,
  }),
];

const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

export function validateRecipe(recipe: ClipRecipe): void {
  if (!NAME_RE.test(recipe.name)) throw new Error(`clip recipe name "${recipe.name}" must match ${NAME_RE}`);
  const fail = (msg: string): never => {
    throw new Error(`clip recipe "${recipe.name}": ${msg}`);
  };
  if (!Number.isInteger(recipe.fps) || recipe.fps < 1 || recipe.fps > 60)
    fail("fps must be an integer in 1..60");
  const src = recipe.source;
  const d = src.duration;
  // Whole seconds make whole GOPs, so that the loop point is a keyframe boundary.
  if (!(d > 0) || !Number.isInteger(d)) fail("duration must be a positive whole number of seconds");
  for (const [which, p] of [
    ["main", recipe.main],
    ["sub", recipe.sub],
  ] as const) {
    if (p.width % 2 !== 0 || p.height % 2 !== 0 || p.width < 16 || p.height < 16)
      fail(`${which} size must be even and at least 16×16`);
  }
  if (src.kind === "video" && src.crop) {
    const c = src.crop;
    const ints = [c.x, c.y, c.width, c.height].every((v) => Number.isInteger(v) && v >= 0);
    if (!ints || c.width < 16 || c.height < 16) fail("crop must be whole pixels, at least 16×16");
  }
  if (src.kind === "rendered") {
    if (!Number.isInteger(src.width) || !Number.isInteger(src.height) || src.width < 16 || src.height < 16)
      fail("rendered canvas must be whole pixels, at least 16×16");
    if (!src.background.trimStart().startsWith("<svg")) fail("rendered background must be an SVG document");
    const names = new Set<string>();
    for (const l of src.layers) {
      if (!NAME_RE.test(l.name)) fail(`layer name "${l.name}" must match ${NAME_RE}`);
      if (names.has(l.name)) fail(`layer name "${l.name}" is used twice`);
      names.add(l.name);
      if ((l.svg === undefined) === (l.image === undefined)) fail(`layer "${l.name}": give svg or image`);
      if (l.svg !== undefined && !l.svg.trimStart().startsWith("<svg"))
        fail(`layer "${l.name}": svg must be an SVG document`);
      if (!Number.isInteger(l.x) || !Number.isInteger(l.y))
        fail(`layer "${l.name}": x and y must be whole pixels`);
      const from = l.from ?? 0;
      const to = l.to ?? d;
      if (!(from >= 0 && to <= d && from < to)) fail(`layer "${l.name}": needs 0 <= from < to <= duration`);
      if (l.width !== undefined && (!Number.isInteger(l.width) || l.width < 2 || l.width % 2))
        fail(`layer "${l.name}": width must be an even number of pixels`);
    }
    const l = src.light;
    if (l && !(Math.abs(l.gain) <= 0.5 && Math.abs(l.contrast) <= 0.5 && Math.abs(l.offset ?? 0) <= 0.5))
      fail("light drift amplitudes and offset must be within ±0.5");
    if (src.noise !== undefined && !(src.noise >= 0 && src.noise <= 100)) fail("noise must be in 0..100");
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

/** A file a rendered recipe needs beside its clips: the SVG documents, written before encoding. */
export interface SceneAsset {
  file: string;
  content: string;
}

/** The SVG files of a rendered recipe (`<recipe>.background.svg`, `<recipe>.<layer>.svg`); none otherwise. */
export function sceneAssets(recipe: ClipRecipe): SceneAsset[] {
  const src = recipe.source;
  if (src.kind !== "rendered") return [];
  return [
    { file: `${recipe.name}.background.svg`, content: src.background },
    ...src.layers.flatMap((l) =>
      l.svg !== undefined ? [{ file: `${recipe.name}.${l.name}.svg`, content: l.svg }] : [],
    ),
  ];
}

/** The last steps of every chain: mirror, scale to the stream's size, 4:2:0. */
function finish(recipe: ClipRecipe, stream: StreamName, steps: string[]): string {
  const p = recipe[stream];
  steps.push(`scale=${p.width}:${p.height}:flags=bicubic`);
  if (recipe.mirror) steps.push("hflip");
  steps.push("format=yuv420p", "setsar=1");
  return steps.join(",");
}

/** The video filter chain of a video or still recipe: cut/normalise the frame rate, crop, mirror, scale. */
export function videoFilter(recipe: ClipRecipe, stream: StreamName): string {
  const p = recipe[stream];
  const src = recipe.source;
  if (src.kind === "rendered")
    throw new Error(`clip recipe "${recipe.name}": a rendered scene needs sceneFilter`);
  if (src.kind === "still") {
    // A slow zoom in and back out over the clip, so that the loop point matches (zoom 1.0 at both ends).
    const frames = src.duration * recipe.fps;
    const steps = [
      `scale=${p.width * 2}:${p.height * 2}:force_original_aspect_ratio=increase`,
      `crop=${p.width * 2}:${p.height * 2}`,
      `zoompan=z='1+0.15*sin(PI*on/${frames})':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${p.width}x${p.height}:fps=${recipe.fps}`,
    ];
    if (recipe.tamper) steps.push(...tamperSteps(recipe.tamper), `scale=${p.width}:${p.height}`);
    if (recipe.mirror) steps.push("hflip");
    steps.push("format=yuv420p", "setsar=1");
    return steps.join(",");
  }
  const steps = [`fps=${recipe.fps}`];
  if (src.crop) steps.push(`crop=${src.crop.width}:${src.crop.height}:${src.crop.x}:${src.crop.y}`);
  if (recipe.tamper) steps.push(...tamperSteps(recipe.tamper));
  return finish(recipe, stream, steps);
}

/**
 * The filter graph of a rendered recipe: input 0 is the background, input i the i-th layer. Each layer is
 * overlaid while `between(t, from, to)`; then the light drift, the noise (at the canvas size, as a sensor's,
 * before scaling), the stream's size. Output label `[v]`.
 */
export function sceneFilter(recipe: ClipRecipe, stream: StreamName): string {
  const src = recipe.source;
  if (src.kind !== "rendered") throw new Error(`clip recipe "${recipe.name}" is not a rendered scene`);
  const d = src.duration;
  // Each input is one picture, decoded once and repeated by `loop` at the clip's frame rate (decoding
  // the SVGs for every frame cost twice the time). The picture is composed in 4:2:0.
  const still = `loop=loop=-1:size=1:start=0,setpts=N/${recipe.fps}/TB`;
  const parts = [`[0:v]${still},scale=${src.width}:${src.height},format=yuv420p[s0]`];
  src.layers.forEach((l, i) => {
    const n = i + 1;
    const prep = [still, "format=rgba"];
    if (l.width !== undefined) prep.push(`scale=${l.width}:-2`);
    if (l.rotateDeg) {
      const a = ((l.rotateDeg * Math.PI) / 180).toFixed(4);
      prep.push(`rotate=${a}:c=none:ow=rotw(${a}):oh=roth(${a})`);
    }
    parts.push(`[${n}:v]${prep.join(",")}[l${n}]`);
    const enable =
      l.from !== undefined || l.to !== undefined ? `:enable='between(t,${l.from ?? 0},${l.to ?? d})'` : "";
    parts.push(`[s${n - 1}][l${n}]overlay=x=${l.x}:y=${l.y}${enable}:format=yuv420[s${n}]`);
  });
  const steps: string[] = recipe.tamper ? tamperSteps(recipe.tamper) : [];
  if (src.light) {
    const w = `2*PI*t/${d}`;
    // Y'' = (G·Y − ½)·C + ½ in eq's terms: contrast G·C, brightness ½·C·(G − 1); chroma scaled by G·C
    // too, so that R, G and B all change by the same gain and offset (a camera's gain and black level).
    const g = `(${1 + (src.light.offset ?? 0)}+${src.light.gain}*sin(${w}))`;
    const c = `(1+${src.light.contrast}*sin(${w}+1.3))`;
    steps.push(`eq=contrast='${g}*${c}':brightness='0.5*${c}*(${g}-1)':saturation='${g}*${c}':eval=frame`);
  }
  if (src.noise) steps.push(`noise=alls=${src.noise}:allf=t`);
  parts.push(`[s${src.layers.length}]${finish(recipe, stream, steps)}[v]`);
  return parts.join(";");
}

/** The ffmpeg input and filter arguments of one stream of a recipe (before the encoder's). */
function inputAndFilterArgs(
  recipe: ClipRecipe,
  stream: StreamName,
  assetDir: string,
): { input: string[]; filter: string[] } {
  const src = recipe.source;
  if (src.kind === "rendered") {
    return {
      input: [
        "-i",
        `${assetDir}/${recipe.name}.background.svg`,
        ...src.layers.flatMap((l) => ["-i", l.image ?? `${assetDir}/${recipe.name}.${l.name}.svg`]),
      ],
      // One filter thread: the noise and the overlays give the same bytes every time.
      filter: ["-filter_complex_threads", "1", "-filter_complex", sceneFilter(recipe, stream), "-map", "[v]"],
    };
  }
  const input =
    src.kind === "video"
      ? ["-ss", String(src.start), "-t", String(src.duration), "-i", src.path]
      : ["-loop", "1", "-framerate", String(recipe.fps), "-t", String(src.duration), "-i", src.path];
  return { input, filter: ["-vf", videoFilter(recipe, stream)] };
}

/**
 * H.264 as a camera sends it, made reproducible: one thread, a keyframe every second, no B-frames,
 * bit-exact, no metadata; MP4 with the index in front.
 */
function encoderArgs(recipe: ClipRecipe, stream: StreamName): string[] {
  const p = recipe[stream];
  const gop = String(recipe.fps);
  return [
    ...["-frames:v", String(recipe.source.duration * recipe.fps)],
    ...["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main"],
    ...["-threads", "1", "-x264-params", "threads=1:lookahead-threads=1:sliced-threads=0"],
    ...["-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-bf", "0"],
    ...["-b:v", `${p.kbps}k`, "-maxrate", `${Math.round(p.kbps * 1.5)}k`, "-bufsize", `${p.kbps * 2}k`],
    ...["-r", String(recipe.fps), "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"],
    ...["-movflags", "+faststart", "-f", "mp4"],
  ];
}

/**
 * The ffmpeg arguments that encode one stream of one recipe to `outPath` (progress on stdout). A rendered
 * recipe's SVG files (`sceneAssets`) are read from `assetDir`.
 */
export function buildClipEncodeArgs(
  recipe: ClipRecipe,
  stream: StreamName,
  outPath: string,
  assetDir = ".",
): string[] {
  validateRecipe(recipe);
  const { input, filter } = inputAndFilterArgs(recipe, stream, assetDir);
  const quiet = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-progress", "pipe:1", "-nostats"];
  return [...quiet, ...input, "-an", "-sn", "-dn", ...filter, ...encoderArgs(recipe, stream), outPath];
}

/** Seconds of output encoded so far, from one `-progress` line (`out_time_us=…`); undefined otherwise. */
export function parseProgressLine(line: string): number | undefined {
  const m = /^out_time_(?:us|ms)=(\d+)$/.exec(line.trim());
  if (!m?.[1]) return undefined;
  // ffmpeg 5 prints microseconds under both names.
  return Number(m[1]) / 1e6;
}
