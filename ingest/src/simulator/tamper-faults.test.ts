/**
 * The tampering faults: `cover`, `shift`, `blur` switch a camera to its clip's variant (encoded beside
 * the clip), `resume` switches back; a clip without variants refuses them. Frames are read from the RTSP
 * sub-stream with ffmpeg as grey pictures and compared with the normal picture.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CameraSimulator } from "./camera-simulator.js";
import { type ClipRecipe, OPENCV_SAMPLES, withTamperVariants } from "./clip-recipes.js";

const run = promisify(execFile);

const walk: ClipRecipe = {
  name: "walk",
  description: "3 s of vtest",
  source: { kind: "video", path: `${OPENCV_SAMPLES}/vtest.avi`, start: 10, duration: 3 },
  fps: 10,
  main: { width: 384, height: 288, kbps: 400 },
  sub: { width: 240, height: 180, kbps: 150 },
};
const recipes: ClipRecipe[] = [
  { ...walk, tamperFaults: true },
  { ...walk, name: "plain" },
];

/** One decoded frame of the sub-stream, grey, at its size (240×180). */
async function grab(url: string): Promise<Uint8Array> {
  const { stdout } = await run(
    "ffmpeg",
    ["-v", "error", "-rtsp_transport", "tcp", "-i", url, "-frames:v", "1"].concat([
      "-vf",
      "format=gray",
      "-f",
      "rawvideo",
      "-",
    ]),
    { encoding: "buffer", timeout: 20_000, maxBuffer: 1 << 20 },
  );
  return new Uint8Array(stdout);
}

const std = (a: Uint8Array) => {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
};
/** Mean absolute difference of horizontally adjacent pixels: what a blur lowers. */
const detail = (a: Uint8Array) => {
  let s = 0;
  for (let i = 1; i < a.length; i++) if (i % 240) s += Math.abs((a[i] as number) - (a[i - 1] as number));
  return s / a.length;
};

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe("simulator tampering faults", () => {
  const sim = new CameraSimulator();
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mf-tamper-sim-"));
    await sim.start({
      cameras: [
        { key: "t1", username: "admin", password: "pw", clip: "walk", startSecond: 0 },
        { key: "t2", username: "admin", password: "pw", clip: "plain", startSecond: 0 },
      ],
      discoveryInterface: false,
      dataDir,
      recipes,
    });
  }, 180_000);

  afterAll(async () => {
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("variants are recipes of their own, the first seconds of the clip, only for a recipe that asks", () => {
    const all = withTamperVariants(recipes).map((r) => `${r.name}:${r.tamper ?? ""}:${r.source.duration}`);
    expect(all).toEqual([
      "walk::3",
      "plain::3",
      "walk--cover:cover:3",
      "walk--shift:shift:3",
      "walk--blur:blur:3",
    ]);
    expect(sim.clips?.clips.filter((c) => c.tamper).map((c) => c.name)).toEqual([
      "walk--cover",
      "walk--shift",
      "walk--blur",
    ]);
  });

  it("cover, shift and blur change the picture as a tampered camera's; resume restores it", async () => {
    const url = sim.rtspUrl("t1", "sub");
    const normal = await grab(url);
    expect(std(normal)).toBeGreaterThan(15);
    await sim.fault("t1", "cover");
    await until("a covered picture", async () => (std(await grab(url)) < 4 ? true : undefined));
    expect((await sim.status()).find((c) => c.key === "t1")?.rtsp?.mode).toBe("cover");
    await sim.fault("t1", "blur");
    await until("a blurred picture", async () => {
      const f = await grab(url);
      return std(f) > 15 && detail(f) < 0.7 * detail(normal) ? true : undefined;
    });
    await sim.fault("t1", "shift");
    await until("a shifted picture", async () => {
      const f = await grab(url);
      let diff = 0;
      for (let i = 0; i < f.length; i++) diff += Math.abs((f[i] as number) - (normal[i] as number));
      return std(f) > 15 && diff / f.length > 12 ? true : undefined;
    });
    await sim.fault("t1", "resume");
    await until("the normal picture", async () => {
      const f = await grab(url);
      return detail(f) > 0.8 * detail(normal) && std(f) > 15 ? true : undefined;
    });
    await expect(sim.fault("t2", "cover")).rejects.toThrow(/409|no_variant/);
  }, 180_000);
});
