/**
 * Makes (or finds in the cache) the simulator's H.264 clips: `npm run clips`, or `ensureClips()` from code
 * (the simulator calls it when the cache is missing).
 *
 * Cache: `DATA_DIR/clips/<key>/` where `<key>` hashes the recipes, the encoder revision and the ffmpeg
 * version. A set is encoded in a private directory and renamed into place when complete, so concurrent
 * callers never see half-made files.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import {
  buildClipEncodeArgs,
  CLIP_RECIPES,
  type ClipRecipe,
  clipCacheKey,
  clipFileName,
  parseProgressLine,
  type StreamName,
  sceneAssets,
  type TamperEffect,
  validateRecipe,
  withTamperVariants,
} from "./clip-recipes.js";

export interface ClipFile {
  path: string;
  width: number;
  height: number;
}

export interface Clip {
  name: string;
  description: string;
  fps: number;
  /** Seconds; a whole number of one-second GOPs. */
  duration: number;
  /** A tampering variant of another clip (`<clip>--<effect>`), served on the fault of that name. */
  tamper?: TamperEffect;
  main: ClipFile;
  sub: ClipFile;
}

export interface ClipSet {
  key: string;
  dir: string;
  clips: Clip[];
}

export interface EnsureClipsOptions {
  /** The DATA_DIR; clips go under `<dataDir>/clips`. */
  dataDir: string;
  recipes?: readonly ClipRecipe[];
  /** Re-encode even when the cache has them. */
  force?: boolean;
  /** Progress in seconds of output encoded, over the total; called often. */
  onProgress?: (doneSeconds: number, totalSeconds: number, current: string) => void;
  ffmpegPath?: string;
}

export class ClipError extends Error {
  override name = "ClipError";
}

export function ffmpegVersion(ffmpegPath = "ffmpeg"): string {
  const r = spawnSync(ffmpegPath, ["-version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new ClipError(
      `ffmpeg is needed to make the simulator's clips (Debian package "ffmpeg"): ${r.error?.message ?? r.stderr}`,
    );
  }
  return r.stdout.split("\n")[0]?.trim() ?? "unknown";
}

function encodeOne(ffmpegPath: string, args: string[], onSeconds: (s: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      err = (err + chunk).slice(-4000);
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      const s = parseProgressLine(line);
      if (s !== undefined) onSeconds(s);
    });
    child.once("error", (e) => reject(new ClipError(`could not run ffmpeg: ${e.message}`)));
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new ClipError(`ffmpeg failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
}

function manifestOf(key: string, dir: string, recipes: readonly ClipRecipe[]): ClipSet {
  return {
    key,
    dir,
    clips: recipes.map((r) => ({
      name: r.name,
      description: r.description,
      fps: r.fps,
      duration: r.source.duration,
      ...(r.tamper ? { tamper: r.tamper } : {}),
      main: { path: path.join(dir, clipFileName(r, "main")), width: r.main.width, height: r.main.height },
      sub: { path: path.join(dir, clipFileName(r, "sub")), width: r.sub.width, height: r.sub.height },
    })),
  };
}

/** The clip set of `recipes` if it is complete in the cache, else undefined. Does not encode. */
export async function cachedClips(
  dataDir: string,
  recipes: readonly ClipRecipe[] = CLIP_RECIPES,
  ffmpegPath = "ffmpeg",
): Promise<ClipSet | undefined> {
  recipes = withTamperVariants(recipes);
  const key = clipCacheKey(recipes, ffmpegVersion(ffmpegPath));
  const dir = path.join(path.resolve(dataDir), "clips", key);
  try {
    const set = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as ClipSet;
    if (set.clips.every((c) => existsSync(c.main.path) && existsSync(c.sub.path))) return set;
  } catch {
    // Missing or unreadable: not cached.
  }
  return undefined;
}

/** Returns the clips of `recipes`, encoding what the cache lacks. */
export async function ensureClips(opts: EnsureClipsOptions): Promise<ClipSet> {
  const recipes = withTamperVariants(opts.recipes ?? CLIP_RECIPES);
  const ffmpegPath = opts.ffmpegPath ?? "ffmpeg";
  for (const r of recipes) validateRecipe(r);
  const names = new Set(recipes.map((r) => r.name));
  if (names.size !== recipes.length) throw new ClipError("clip recipe names must be unique");
  for (const r of recipes) {
    const files =
      r.source.kind === "rendered"
        ? r.source.layers.flatMap((l) => (l.image ? [l.image] : []))
        : [r.source.path];
    for (const file of files) {
      if (!existsSync(file)) {
        throw new ClipError(
          `clip "${r.name}": footage ${file} is missing (Debian package "opencv-doc" provides OpenCV's samples)`,
        );
      }
    }
  }

  if (!opts.force) {
    const cached = await cachedClips(opts.dataDir, recipes, ffmpegPath);
    if (cached) return cached;
  }
  const key = clipCacheKey(recipes, ffmpegVersion(ffmpegPath));
  const clipsDir = path.join(path.resolve(opts.dataDir), "clips");
  const dir = path.join(clipsDir, key);
  // Encode into a private directory, then rename it into place: two processes making the same clips at
  // once (test files, a demo) never see each other's half-made files; the second rename loses and uses
  // the winner's.
  const work = path.join(clipsDir, `.${key}.${process.pid}.${randomBytes(4).toString("hex")}`);
  await mkdir(work, { recursive: true });
  try {
    const jobs = recipes.flatMap((r) => (["main", "sub"] as StreamName[]).map((stream) => ({ r, stream })));
    const total = jobs.reduce((sum, j) => sum + j.r.source.duration, 0);
    let done = 0;
    // The SVG documents of rendered scenes, beside the clips (ffmpeg's librsvg decoder reads them).
    for (const r of recipes)
      for (const a of sceneAssets(r)) await writeFile(path.join(work, a.file), a.content);
    for (const { r, stream } of jobs) {
      const file = clipFileName(r, stream);
      opts.onProgress?.(done, total, file);
      await encodeOne(ffmpegPath, buildClipEncodeArgs(r, stream, path.join(work, file), work), (s) =>
        opts.onProgress?.(done + Math.min(s, r.source.duration), total, file),
      );
      done += r.source.duration;
      opts.onProgress?.(done, total, file);
    }
    const set = manifestOf(key, dir, recipes);
    await writeFile(path.join(work, "manifest.json"), `${JSON.stringify(set, null, 2)}\n`);
    if (opts.force) await rm(dir, { recursive: true, force: true });
    try {
      await rename(work, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      const winner = await cachedClips(opts.dataDir, recipes, ffmpegPath);
      if (winner) return winner;
      // An incomplete directory from an older interrupted run: replace it.
      await rm(dir, { recursive: true, force: true });
      await rename(work, dir);
    }
    return set;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A terminal progress bar for `onProgress` (silent when stderr is not a terminal). */
export async function progressBar(label: string): Promise<{
  onProgress: NonNullable<EnsureClipsOptions["onProgress"]>;
  stop: () => void;
}> {
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} s | {file}`,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (done, total, file) => {
      if (!started) {
        bar.start(total, 0, { file });
        started = true;
      }
      bar.update(Math.floor(done), { file });
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const force = argv.includes("--force");
  const i = argv.indexOf("--data-dir");
  let dataDir = i >= 0 ? argv[i + 1] : undefined;
  if (!dataDir) {
    const { loadConfig } = await import("@mingfang/core");
    dataDir = loadConfig().DATA_DIR;
  }
  const cached = force ? undefined : await cachedClips(dataDir);
  if (cached) {
    process.stdout.write(`clips already made: ${cached.dir}\n`);
    return;
  }
  const bar = await progressBar("encoding clips");
  try {
    const set = await ensureClips({ dataDir, force, onProgress: bar.onProgress });
    bar.stop();
    process.stdout.write(`clips made in ${set.dir}:\n`);
    for (const c of set.clips) process.stdout.write(`  ${c.name} (${c.duration} s): ${c.description}\n`);
  } finally {
    bar.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
