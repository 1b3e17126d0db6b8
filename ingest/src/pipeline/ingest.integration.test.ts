/**
 * The pipeline against the camera simulator with real ffmpeg, real Redis and BullMQ: a camera goes live
 * with a valid playlist, frames reach the queue at the configured rate (at most one waiting per camera),
 * a stopped camera goes offline and comes back, a stalled one is restarted, many cameras started and
 * stopped leave no ffmpeg behind, no credential reaches a log line, and the ingest service follows the
 * camera specs the API publishes in Redis (sealed URLs; created, changed, deleted) without a database.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import {
  type CameraSpecRecord,
  type CameraStatus,
  createLogger,
  createRedis,
  encrypt,
  Keyring,
  REDIS_KEYS,
  type Redis,
} from "@mingfang/core";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CameraSimulator, type SimulatedCamera, simulatedCameras } from "../simulator/camera-simulator.js";
import { CameraOwner, DEFAULT_INGEST_SETTINGS, type IngestSettings } from "./camera-owner.js";
import { RedisCameraSource } from "./camera-source.js";
import { CAMERA_CONFIG_CHANNEL, IngestService } from "./ingest-service.js";
import { type FrameSink, QueueFrameSink, type StatusSink } from "./sinks.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CLIP_CACHE = path.join(ROOT, ".test-data");

async function until<T>(
  what: string,
  ms: number,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** ffmpeg processes whose command line names this simulator's port. */
function ffmpegsOf(port: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      if (/^ff(mpeg|probe)\0/.test(cmd) && cmd.includes(`:${port}/`)) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

class MemoryStatus implements StatusSink {
  readonly history = new Map<number, CameraStatus[]>();
  async publish(s: CameraStatus): Promise<void> {
    this.history.set(s.cameraId, [...(this.history.get(s.cameraId) ?? []), s]);
  }
  last(id: number): CameraStatus | undefined {
    return this.history.get(id)?.at(-1);
  }
}

describe("ingest pipeline against the simulator", () => {
  const sim = new CameraSimulator();
  const logs: string[] = [];
  const logger = createLogger(
    { level: "debug" },
    new Writable({
      write(c, _e, cb) {
        logs.push(String(c));
        cb();
      },
    }),
  );
  let cams: SimulatedCamera[];
  let redis: Redis;
  let queueConn: Redis;
  let mediaDir: string;
  const prefix = `t${process.pid}x${Date.now()}`;
  const owners: CameraOwner[] = [];

  const settings = (): IngestSettings => ({
    ...DEFAULT_INGEST_SETTINGS,
    mediaDir,
    analysisFps: 1,
    assumedGopSeconds: 1,
    stallSeconds: 6,
    ioTimeoutSeconds: 4,
    backoff: { initialMs: 500, maxMs: 4000 },
    heartbeatMs: 2000,
  });

  const owner = (
    cam: SimulatedCamera,
    id: number,
    status: StatusSink,
    frames = new QueueFrameSink(redis, queueConn, prefix),
  ) => {
    const o = new CameraOwner(
      { id, mainUrl: sim.rtspUrl(cam.key, "main"), subUrl: sim.rtspUrl(cam.key, "sub"), analyse: true },
      settings(),
      frames,
      status,
      logger,
    );
    owners.push(o);
    return o;
  };

  beforeAll(async () => {
    cams = simulatedCameras(20, "ingest-test-secret", "ing");
    await sim.start({ cameras: cams, discoveryInterface: false, dataDir: CLIP_CACHE });
    redis = createRedis(inject("redisUrl"));
    queueConn = createRedis(inject("redisUrl"), { maxRetriesPerRequest: null });
    mediaDir = mkdtempSync(path.join(tmpdir(), "mf-ingest-"));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(owners.map((o) => o.stop()));
    await sim.stop();
    redis?.disconnect();
    queueConn?.disconnect();
  });

  it("goes live with a valid HLS playlist whose segments decode, and reports fps and bitrate", async () => {
    const status = new MemoryStatus();
    const o = owner(cams[0]!, 1001, status);
    o.start();
    await until("online", 30_000, () => status.last(1001)?.status === "online");
    const playlist = path.join(mediaDir, "hls", "1001", "index.m3u8");
    await until(
      "three segments",
      20_000,
      () => existsSync(playlist) && readFileSync(playlist, "utf8").split("#EXTINF").length > 3,
    );
    const probe = JSON.parse(
      execFileSync("ffprobe", [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name,width",
        "-of",
        "json",
        playlist,
      ]).toString(),
    );
    expect(probe.streams[0].codec_name).toBe("h264");
    const seg = readFileSync(playlist, "utf8")
      .split("\n")
      .find((l) => l.endsWith(".ts"))!;
    execFileSync("ffmpeg", ["-v", "error", "-i", path.join(mediaDir, "hls", "1001", seg), "-f", "null", "-"]);
    // Copy, not transcode: the segment's resolution is the camera's main stream.
    expect(probe.streams[0].width).toBeGreaterThanOrEqual(640);
    await until(
      "fps and bitrate",
      15_000,
      () => (o.snapshotStatus().fps ?? 0) > 0 && (o.snapshotStatus().bitrateKbps ?? 0) > 0,
    );
  }, 60_000);

  it("keeps the live segments the recording buffer's length (the clips' source), and no longer", async () => {
    const status = new MemoryStatus();
    const cam = cams[5]!;
    const o = new CameraOwner(
      { id: 1006, mainUrl: sim.rtspUrl(cam.key, "main"), subUrl: null, analyse: false },
      { ...settings(), bufferSeconds: 20 },
      new QueueFrameSink(redis, queueConn, prefix),
      status,
      logger,
    );
    owners.push(o);
    o.start();
    const dir = path.join(mediaDir, "hls", "1006");
    const segs = () => readdirSync(dir).filter((f) => /^seg-\d+\.ts$/.test(f));
    // ffmpeg's own deletion would stop at 13 files (a 6-segment list); the buffer keeps 20 s of them.
    await until("20 segments on disk", 60_000, () => existsSync(dir) && segs().length >= 20);
    await new Promise((r) => setTimeout(r, 8000));
    const ages = segs().map((f) => Date.now() - statSync(path.join(dir, f)).mtimeMs);
    expect(ages.length).toBeGreaterThanOrEqual(18);
    // Pruned at each heartbeat (2 s here): nothing much older than the buffer.
    expect(Math.max(...ages)).toBeLessThan(20_000 + 2000 + 1500);
    await o.stop();
  }, 90_000);

  it("puts frames on the queue at the configured rate, never more than one waiting per camera", async () => {
    const q = new Queue("frames", { connection: queueConn, prefix });
    const o = owner(cams[1]!, 1002, new MemoryStatus());
    o.start();
    await until("a first frame of this camera", 40_000, async () =>
      (await q.getWaiting()).some((j) => j.data.cameraId === 1002),
    );
    const seen = new Set<string>();
    const frameKeys = new Set<string>();
    const t0 = Date.now();
    let maxWaiting = 0;
    while (Date.now() - t0 < 8000) {
      const jobs = await q.getWaiting();
      const mine = jobs.filter((j) => j.data.cameraId === 1002);
      maxWaiting = Math.max(maxWaiting, mine.length);
      for (const j of mine) {
        seen.add(j.id!);
        frameKeys.add(j.data.frameKey);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    // 1 frame/s configured: about 8 in 8 s (ffmpeg start-up and sampling jitter allowed).
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(seen.size).toBeLessThanOrEqual(12);
    expect(maxWaiting).toBe(1);
    // The newest job's JPEG is a blob beside it (read again if a newer frame replaced it meanwhile).
    const waitingFrame = async () => {
      const j = (await q.getWaiting()).find((w) => w.data.cameraId === 1002);
      const bytes = j ? await redis.getBuffer(j.data.frameKey) : null;
      return j && bytes ? { job: j, bytes } : undefined;
    };
    const { job, bytes } = await until("a waiting frame with its blob", 10_000, waitingFrame);
    expect(bytes.length).toBeGreaterThan(750);
    expect(bytes.subarray(0, 2).toString("hex")).toBe("ffd8");
    // The replaced frames' blobs were deleted with their jobs, not left to their TTL.
    frameKeys.delete(job.data.frameKey);
    expect(await Promise.all([...frameKeys].map((k) => redis.exists(k)))).not.toContain(1);
    expect(job.data.width).toBeLessThanOrEqual(640);
    expect(job.data.source).toBe("keyframe");
    const snap = await redis.getBuffer("mingfang:camera:1002:snapshot");
    expect(snap?.subarray(0, 2).toString("hex")).toBe("ffd8");
    await q.obliterate({ force: true });
    await q.close();
  }, 60_000);

  it("shows a stopped camera offline within 20 s and live again within 10 s of its return", async () => {
    const status = new MemoryStatus();
    const o = owner(cams[2]!, 1003, status);
    o.start();
    await until("online", 30_000, () => status.last(1003)?.status === "online");
    await sim.fault(cams[2]!.key, "stop");
    const stoppedAt = Date.now();
    await until("offline", 20_000, () => status.last(1003)?.status === "offline");
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);
    expect(status.last(1003)?.lastError).toBeTruthy();
    await sim.fault(cams[2]!.key, "resume");
    const back = Date.now();
    await until("online again", 10_000, () => status.last(1003)?.status === "online");
    expect(Date.now() - back).toBeLessThan(10_000);
  }, 60_000);

  it("restarts a stalled camera (connection open, no data)", async () => {
    const status = new MemoryStatus();
    const o = owner(cams[3]!, 1004, status);
    o.start();
    await until("online", 30_000, () => status.last(1004)?.status === "online");
    const restartsBefore = o.live.current.restarts;
    await sim.fault(cams[3]!.key, "stall");
    await until("stalled or offline", 20_000, () =>
      ["stalled", "offline"].includes(status.last(1004)?.status ?? ""),
    );
    expect(o.live.current.restarts).toBeGreaterThan(restartsBefore);
    await sim.fault(cams[3]!.key, "resume");
    await until("online after the stall", 15_000, () => status.last(1004)?.status === "online");
  }, 60_000);

  it("runs the cameras the API published in Redis and follows their changes (no database)", async () => {
    const keyring = new Keyring("ingest-spec-test-secret-0123456789abcdef");
    const specs = createRedis(inject("redisUrl"), { keyPrefix: `${prefix}:` });
    const cam = cams[4]!;
    const id = 3001;
    const put = async (s: Partial<CameraSpecRecord> | null) => {
      if (s) {
        const spec: CameraSpecRecord = {
          id,
          enabled: true,
          sourceUrlEnc: encrypt(keyring.credentials, sim.rtspUrl(cam.key, "main")),
          subUrlEnc: encrypt(keyring.credentials, sim.rtspUrl(cam.key, "sub")),
          analyse: false,
          ...s,
        };
        await specs.hset(REDIS_KEYS.cameraSpecs, String(id), JSON.stringify(spec));
      } else await specs.hdel(REDIS_KEYS.cameraSpecs, String(id));
      await redis.publish(CAMERA_CONFIG_CHANNEL, JSON.stringify({ cameraId: id }));
    };
    const frames: FrameSink = { push: async () => {}, close: async () => {} };
    const status = new MemoryStatus();
    await put({});
    const svc = new IngestService({
      cameras: new RedisCameraSource(specs),
      keyring,
      redis,
      connect: () => createRedis(inject("redisUrl")),
      logger,
      dataDir: mediaDir,
      settings: settings(),
      frames,
      status,
    });
    try {
      await svc.start();
      expect(svc.owner(id)).toBeDefined();
      await until("online from its published spec", 30_000, () => status.last(id)?.status === "online");
      await put({ enabled: false });
      await until("stopped when disabled", 10_000, () => svc.owner(id) === undefined);
      await put({});
      await until("started again when enabled", 10_000, () => svc.owner(id) !== undefined);
      await put(null);
      await until("stopped when deleted", 10_000, () => svc.owner(id) === undefined);
    } finally {
      await svc.stop();
      specs.disconnect();
    }
  }, 60_000);

  it("leaves no ffmpeg process behind after 20 cameras are started and stopped in cycles", async () => {
    for (let cycle = 0; cycle < 3; cycle++) {
      const batch = cams.map((c, i) => owner(c, 2000 + i, new MemoryStatus()));
      for (const o of batch) o.start();
      await until("some ffmpeg processes", 20_000, () => ffmpegsOf(sim.rtspPort).length >= 10);
      await new Promise((r) => setTimeout(r, 1000 + cycle * 700));
      await Promise.all(batch.map((o) => o.stop()));
      for (const o of batch) owners.splice(owners.indexOf(o), 1);
    }
    // The owners of the earlier tests are still running: stop them too, then nothing may remain.
    await Promise.all(owners.map((o) => o.stop()));
    owners.length = 0;
    await until("no ffmpeg left", 10_000, () => ffmpegsOf(sim.rtspPort).length === 0);
  }, 120_000);

  it("never writes a camera's credentials in a log line", () => {
    const all = logs.join("");
    expect(all.length).toBeGreaterThan(0);
    for (const c of cams) expect(all).not.toContain(c.password);
    expect(all).not.toMatch(/rtsp:\/\/admin:/);
  });
});
