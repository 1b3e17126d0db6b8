#!/usr/bin/env node
/**
 * bench/recordings/cpu.mjs: what continuous recording costs the machine, in one run, as a ratio.
 *
 * N simulated cameras (default 42, as many as `bench/ingest` measures) go through the real ingest (our
 * camera owners, live HLS only: analysis off, so that the figure is the recorder's against the ingest it
 * reads from). The same ingest is then measured in alternating windows:
 *   off         recording off: the ingest alone
 *   continuous  the archiver (services/api/src/recordings/archiver.ts) running with every camera on
 *               `continuous`, appending each live segment to its chunk (RECORDING_CHUNK_SECONDS 60)
 * CPU = this Node process (process.cpuUsage: the owners, the archiver) + every ffmpeg child (/proc/<pid>/stat).
 * The ratio continuous / off is the figure (target ≤ 1.1×). Also: the archiver's wall time per camera poll
 * (one readdir, the playlist and a stat of the new segments), and the disk written per camera-hour at the
 * simulator's bitrate.
 *
 * The chunk index rows go to an in-memory stand-in of the repository: one INSERT per camera-minute (0.7/s
 * for 42 cameras) is not what this measures. The simulator's own CPU is not counted (it is the cameras).
 *
 *   npm run build && node bench/recordings/cpu.mjs [--cameras 42] [--seconds 40] [--rounds 2]
 */
import { execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CameraOwner,
  CameraSimulator,
  DEFAULT_INGEST_SETTINGS,
  QueueFrameSink,
  StartGate,
  simulatedCameras,
} from "../../ingest/dist/index.js";
import { Archiver } from "../../services/api/dist/recordings/archiver.js";
import { createLogger, createRedis } from "../../services/core/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const N = Number(arg("--cameras", "42"));
const SECONDS = Number(arg("--seconds", "40"));
const ROUNDS = Number(arg("--rounds", "2"));
const WARMUP = 15;
const TICK = Number(execSync("getconf CLK_TCK").toString()) || 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function procCpu(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of this process and the owners' ffmpeg children over `seconds`, and the wall time. */
async function window(owners, seconds) {
  const pids = owners.flatMap((o) => o.pids());
  const before = new Map(pids.map((p) => [p, procCpu(p)]));
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const node = process.cpuUsage(node0);
  let cpu = (node.user + node.system) / 1e6;
  // A process restarted meanwhile: its new pid counts from 0, the old one's CPU until it died is lost (rare).
  for (const p of owners.flatMap((o) => o.pids())) cpu += procCpu(p) - (before.get(p) ?? 0);
  return { cpu, wall };
}

class MemoryRepo {
  rows = 0;
  constructor(n) {
    this.cameras = Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      policy: "continuous",
      schedule: null,
      workingHours: null,
    }));
  }
  async insert() {
    this.rows++;
    return String(this.rows);
  }
  async recordingCameras() {
    return this.cameras;
  }
  async newestChunkEnds() {
    return new Map();
  }
}

async function startIngest(work) {
  const redis = await startPrivateRedis({ dir: path.join(work, "redis") });
  const conn = createRedis(redis.url);
  const qconn = createRedis(redis.url, { maxRetriesPerRequest: null });
  const cams = simulatedCameras(N, "bench", "r");
  const sim = new CameraSimulator();
  await sim.start({ cameras: cams, discoveryInterface: false, dataDir: path.join(ROOT, ".test-data") });
  const mediaDir = path.join(work, "media");
  const settings = { ...DEFAULT_INGEST_SETTINGS, mediaDir };
  const frames = new QueueFrameSink(conn, qconn, "benchrec");
  const gate = new StartGate(settings.concurrentStarts);
  const log = createLogger({ level: "warn" });
  const owners = cams.map(
    (c, i) =>
      new CameraOwner(
        { id: i + 1, mainUrl: sim.rtspUrl(c.key, "main"), subUrl: sim.rtspUrl(c.key, "sub"), analyse: false },
        settings,
        frames,
        { publish: async () => {} },
        log,
        gate,
      ),
  );
  for (const o of owners) {
    o.start();
    await sleep(settings.staggerMs);
  }
  const upBy = Date.now() + 180_000;
  while (!owners.every((o) => o.live.current.phase === "live") && Date.now() < upBy) await sleep(500);
  const stop = async () => {
    await Promise.all(owners.map((o) => o.stop()));
    await frames.close();
    await sim.stop();
    conn.disconnect();
    qconn.disconnect();
    await redis.stop();
  };
  return {
    owners,
    mediaDir,
    settings,
    log,
    stop,
    live: owners.filter((o) => o.live.current.phase === "live").length,
  };
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), "mf-bench-rec-"));
  const ingest = await startIngest(work);
  console.log(
    `${N} simulated cameras, ${ingest.live} live; windows of ${SECONDS} s, ${ROUNDS} rounds, warm-up ${WARMUP} s`,
  );
  await sleep(WARMUP * 1000);
  const repo = new MemoryRepo(N);
  const archiver = new Archiver(
    {
      mediaDir: ingest.mediaDir,
      segmentSeconds: ingest.settings.segmentSeconds,
      chunkSeconds: 60,
      bufferSeconds: ingest.settings.bufferSeconds,
    },
    { repo, logger: ingest.log },
  );
  const rows = [];
  let bytes = 0;
  let recWall = 0;
  for (let r = 0; r < ROUNDS; r++) {
    rows.push({ label: "off", ...(await window(ingest.owners, SECONDS)) });
    archiver.start();
    await sleep(5000); // the segments of the off window, caught up before measuring
    const s0 = { ...archiver.stats };
    const w = await window(ingest.owners, SECONDS);
    rows.push({
      label: "continuous",
      ...w,
      polls: archiver.stats.polls - s0.polls,
      pollMs: archiver.stats.pollMs - s0.pollMs,
    });
    bytes += archiver.stats.bytes - s0.bytes;
    recWall += w.wall;
    await archiver.stop();
  }
  await ingest.stop();
  rmSync(work, { recursive: true, force: true });
  print(rows, bytes, recWall, repo);
}

function print(rows, bytes, recWall, repo) {
  console.log("\nround  recording    CPU s  wall s  % of a core  per camera  poll ms (mean)");
  rows.forEach((r, i) => {
    const pct = (r.cpu / r.wall) * 100;
    const poll = r.polls ? (r.pollMs / r.polls).toFixed(2) : "";
    console.log(
      `${String(Math.floor(i / 2) + 1).padStart(5)}  ${r.label.padEnd(10)}  ${r.cpu.toFixed(2).padStart(6)}  ${r.wall.toFixed(1).padStart(6)}  ${pct.toFixed(1).padStart(11)}  ${(pct / N).toFixed(2).padStart(10)}  ${poll.padStart(14)}`,
    );
  });
  const rate = (label) => {
    const rs = rows.filter((r) => r.label === label);
    return rs.reduce((a, r) => a + r.cpu, 0) / rs.reduce((a, r) => a + r.wall, 0);
  };
  const ratio = rate("continuous") / rate("off");
  const perCamHour = bytes / N / (recWall / 3600);
  console.log(`\nCPU continuous / off: ${ratio.toFixed(3)}x  (target ≤ 1.1x)`);
  console.log(
    `disk written: ${(perCamHour / 1024 ** 2).toFixed(1)} MiB per camera-hour (${((perCamHour * 8) / 3600 / 1000).toFixed(0)} kbit/s), ${((perCamHour * 24) / 1024 ** 3).toFixed(2)} GiB per camera-day; ${repo.rows} chunks indexed`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
