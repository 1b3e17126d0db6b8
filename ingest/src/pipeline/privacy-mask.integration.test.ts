/**
 * Privacy masks with real ffmpeg against the camera simulator: a camera with a mask gets a public HLS
 * output in `<hls>/<id>/public/` whose frames are blurred inside the mask (much less local detail than the
 * private frame) and equal to the private frame outside it; the private output stays untouched (copy);
 * removing the masks deletes the public output (never a stale or unmasked folder left behind).
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  type CameraSpecRecord,
  type CameraStatus,
  createLogger,
  createRedis,
  encrypt,
  Keyring,
  REDIS_KEYS,
} from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CameraSimulator, type SimulatedCamera, simulatedCameras } from "../simulator/camera-simulator.js";
import { CameraOwner, DEFAULT_INGEST_SETTINGS } from "./camera-owner.js";
import { RedisCameraSource } from "./camera-source.js";
import { CAMERA_CONFIG_CHANNEL, IngestService } from "./ingest-service.js";
import type { Polygon } from "./privacy-mask.js";
import type { FrameSink, StatusSink } from "./sinks.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CLIP_CACHE = path.join(ROOT, ".test-data");
/** The mask: the middle of the frame (grass and path in the simulator's clip: lots of fine detail). */
const MASK: Polygon = [
  [0.25, 0.3],
  [0.75, 0.3],
  [0.75, 0.8],
  [0.25, 0.8],
];

async function until<T>(what: string, ms: number, fn: () => T | undefined | false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

class LastStatus implements StatusSink {
  last: CameraStatus | undefined;
  async publish(s: CameraStatus): Promise<void> {
    this.last = s;
  }
}

/** The analysis sink of a camera that is not analysed: counts what it would have been handed. */
class CountingFrames implements FrameSink {
  count = 0;
  async push(): Promise<void> {
    this.count++;
  }
  async close(): Promise<void> {}
}

/** Segment names of a playlist, oldest first. */
const segments = (playlist: string): string[] =>
  existsSync(playlist)
    ? readFileSync(playlist, "utf8")
        .split("\n")
        .filter((l) => l.endsWith(".ts"))
    : [];

/**
 * Every frame of a segment as 8-bit gray, width × height. Asynchronous: the owner's watchdogs must keep
 * reading their processes' output meanwhile (a blocked event loop looks like a stalled camera).
 */
async function grayFrames(file: string, width: number, height: number): Promise<Uint8Array[]> {
  const { stdout: raw } = await promisify(execFile)(
    "ffmpeg",
    ["-v", "error", "-i", file, "-vf", `scale=${width}:${height},format=gray`, "-f", "rawvideo", "-"],
    { maxBuffer: 512 * 1024 * 1024, encoding: "buffer" },
  );
  const size = width * height;
  const out: Uint8Array[] = [];
  for (let o = 0; o + size <= raw.length; o += size) out.push(raw.subarray(o, o + size));
  return out;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Mean absolute difference between neighbouring pixels in a rectangle: the fine detail a blur removes. */
function detail(f: Uint8Array, w: number, r: Rect): number {
  let sum = 0;
  let n = 0;
  for (let y = r.y0; y < r.y1 - 1; y++) {
    for (let x = r.x0; x < r.x1 - 1; x++) {
      const p = f[y * w + x]!;
      sum += Math.abs(p - f[y * w + x + 1]!) + Math.abs(p - f[(y + 1) * w + x]!);
      n += 2;
    }
  }
  return sum / n;
}

/** Mean absolute difference of two frames over the pixels outside a rectangle (its margin excluded). */
function diffOutside(a: Uint8Array, b: Uint8Array, w: number, h: number, r: Rect, margin: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x >= r.x0 - margin && x < r.x1 + margin && y >= r.y0 - margin && y < r.y1 + margin) continue;
      sum += Math.abs(a[y * w + x]! - b[y * w + x]!);
      n++;
    }
  }
  return sum / n;
}

describe("privacy masks: a blurred public output beside the untouched private one", () => {
  const sim = new CameraSimulator();
  const logger = createLogger({ level: "warn" });
  let cams: SimulatedCamera[];
  let mediaDir: string;
  let owner: CameraOwner | undefined;

  beforeAll(async () => {
    cams = simulatedCameras(2, "mask-test-secret", "msk");
    await sim.start({ cameras: cams, discoveryInterface: false, dataDir: CLIP_CACHE });
    mediaDir = mkdtempSync(path.join(tmpdir(), "mf-masks-"));
  }, 180_000);

  afterAll(async () => {
    await owner?.stop();
    await sim.stop();
  });

  it("blurs the public frame inside the mask, matches the private frame outside, and deletes it when unmasked", async () => {
    const cam = cams[0]!;
    const spec = {
      id: 3001,
      mainUrl: sim.rtspUrl(cam.key, "main"),
      subUrl: null,
      analyse: false,
      privacyMasks: [MASK],
    };
    const status = new LastStatus();
    const settings = { ...DEFAULT_INGEST_SETTINGS, mediaDir, stallSeconds: 8, heartbeatMs: 2000 };
    owner = new CameraOwner(spec, settings, new CountingFrames(), status, logger);
    owner.start();
    const dir = path.join(mediaDir, "hls", "3001");
    const pub = path.join(dir, "public");
    await until("the private stream online", 60_000, () => status.last?.status === "online");
    await until("three public segments", 60_000, () => segments(path.join(pub, "index.m3u8")).length >= 3);
    // Its supervisor sees its progress: live, not left "connecting" until a watchdog restart.
    await until("the masked process live", 10_000, () => owner?.maskedOutput?.current.phase === "live");

    // Private stays a copy of the camera (H.264 at the camera's size); the public one is the same size.
    const info = (f: string) =>
      JSON.parse(
        execFileSync("ffprobe", [
          "-v",
          "error",
          "-show_entries",
          "stream=width,height",
          "-of",
          "json",
          f,
        ]).toString(),
      ).streams[0] as { width: number; height: number };
    const { width: w, height: h } = info(path.join(dir, "index.m3u8"));
    expect(info(path.join(pub, "index.m3u8"))).toEqual({ width: w, height: h });

    // A public frame, and the private frames it may come from (the public output lags the private one).
    const pubSeg = segments(path.join(pub, "index.m3u8")).at(-2)!;
    const publicFrame = (await grayFrames(path.join(pub, pubSeg), w, h))[0]!;
    const privateFrames: Uint8Array[] = [];
    for (const s of segments(path.join(dir, "index.m3u8"))) {
      // A segment that rolled off meanwhile is skipped.
      privateFrames.push(...(await grayFrames(path.join(dir, s), w, h).catch(() => [])));
    }
    expect(privateFrames.length).toBeGreaterThan(10);
    const inner: Rect = {
      x0: Math.ceil(0.25 * w) + 4,
      y0: Math.ceil(0.3 * h) + 4,
      x1: Math.floor(0.75 * w) - 4,
      y1: Math.floor(0.8 * h) - 4,
    };
    const outer: Rect = {
      x0: Math.floor(0.25 * w),
      y0: Math.floor(0.3 * h),
      x1: Math.ceil(0.75 * w),
      y1: Math.ceil(0.8 * h),
    };
    // The private frame the public one was made from: the closest outside the mask.
    const scored = privateFrames.map((f) => ({ f, d: diffOutside(publicFrame, f, w, h, outer, 24) }));
    const match = scored.reduce((a, b) => (b.d < a.d ? b : a));
    // Outside the mask: the same picture, up to the re-encode's noise (x264 ultrafast on grass: 2–5 levels).
    expect(match.d).toBeLessThan(8);
    // Inside: the blur leaves a fraction of the private frame's fine detail.
    const before = detail(match.f, w, inner);
    const after = detail(publicFrame, w, inner);
    expect(before).toBeGreaterThan(2);
    expect(after).toBeLessThan(before * 0.35);
    // And the region outside keeps its detail (the whole frame is not simply blurred).
    const top: Rect = { x0: 0, y0: 0, x1: w, y1: Math.floor(0.3 * h) - 24 };
    expect(detail(publicFrame, w, top)).toBeGreaterThan(detail(match.f, w, top) * 0.7);

    // Masks removed: the masked process stops and its folder goes; the private stream keeps running.
    const restarts = owner.live.current.restarts;
    owner.reconfigure({ ...spec, privacyMasks: [] });
    await until("the public folder removed", 20_000, () => !existsSync(pub));
    expect(owner.maskedOutput).toBeUndefined();
    expect(owner.live.current).toMatchObject({ phase: "live", restarts });
  }, 180_000);

  it("follows the masks of the spec the API publishes: a public output while masked, none after", async () => {
    const keyring = new Keyring("mask-spec-test-secret-0123456789abcdef");
    const prefix = `m${process.pid}x${Date.now()}`;
    const redis = createRedis(inject("redisUrl"));
    const specs = createRedis(inject("redisUrl"), { keyPrefix: `${prefix}:` });
    const id = 3002;
    const put = async (s: Partial<CameraSpecRecord>) => {
      const spec: CameraSpecRecord = {
        id,
        enabled: true,
        sourceUrlEnc: encrypt(keyring.credentials, sim.rtspUrl(cams[1]!.key, "main")),
        subUrlEnc: null,
        analyse: false,
        ...s,
      };
      await specs.hset(REDIS_KEYS.cameraSpecs, String(id), JSON.stringify(spec));
      await redis.publish(CAMERA_CONFIG_CHANNEL, JSON.stringify({ cameraId: id }));
    };
    const status = new LastStatus();
    await put({ privacyMasks: [MASK] });
    const svc = new IngestService({
      cameras: new RedisCameraSource(specs),
      keyring,
      redis,
      connect: () => createRedis(inject("redisUrl")),
      logger,
      dataDir: mediaDir,
      settings: { stallSeconds: 8, heartbeatMs: 2000 },
      frames: new CountingFrames(),
      status,
      cameraIds: [id],
    });
    const pub = path.join(mediaDir, "media", "hls", String(id), "public");
    try {
      await svc.start();
      await until("the masked output", 90_000, () => segments(path.join(pub, "index.m3u8")).length >= 2);
      const o = svc.owner(id)!;
      const restarts = o.live.current.restarts;
      await put({});
      await until("the masked output gone", 20_000, () => !existsSync(pub));
      expect(o.maskedOutput).toBeUndefined();
      expect(o.live.current).toMatchObject({ phase: "live", restarts });
    } finally {
      await svc.stop();
      specs.disconnect();
      redis.disconnect();
    }
  }, 180_000);
});
