#!/usr/bin/env node
/**
 * bench/ingest frames-redis: what a sampled frame costs Redis on its way through the `frames` queue, the
 * old way (the JPEG base64 inside BullMQ's JSON job data) against the new way (the JPEG a binary blob with
 * a TTL, the job carrying its key: redis/blob-store.ts), in the same run on the same private Redis
 * (127.0.0.1 only):
 *   - used_memory per waiting frame (N frames queued, none taken yet; the delta over N),
 *   - Redis CPU per frame (INFO cpu used_cpu_sys + used_cpu_user, delta over the whole trip: queued by
 *     the producer, taken, read and completed by a consumer, removed) and this process's CPU per frame
 *     (encoding, JSON, decoding on both sides),
 * printed with the ratio new / old. The frames are real: vtest.avi as the ingest samples it (640×480,
 * `-q:v 5`), else sharp-made 640×360 noise when opencv-doc is not installed.
 *
 *   npm run build && node bench/ingest/frames-redis.mjs [--frames 1000] [--rounds 3]
 *
 * Each way replicates the queue operations of its producer (QueueFrameSink.push without the snapshot, the
 * same for both) and consumer (the analytics worker without the analysis).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue, Worker } from "bullmq";
import { createRedis, redisBlobStore } from "../../services/core/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";
import { cameraFrames } from "../support/frames.mjs";
import { arg } from "../support/stats.mjs";

const FRAMES = arg("--frames", 1000);
const ROUNDS = arg("--rounds", 3);
const PREFIX = "bench-frames";

/** The two ways, each as its producer puts a frame and its consumer takes it. */
function ways(blobs) {
  return {
    old: {
      add: (queue, data, jpeg) => queue.add("frame", { ...data, jpeg: jpeg.toString("base64") }, OPTS(data)),
      take: async (job) => Buffer.from(job.data.jpeg, "base64").length,
    },
    new: {
      add: async (queue, data, jpeg) => {
        const frameKey = await blobs.put("frame", jpeg);
        return queue.add("frame", { ...data, frameKey }, OPTS(data));
      },
      take: async (job) => {
        const jpeg = await blobs.get(job.data.frameKey);
        await blobs.delete(job.data.frameKey);
        return jpeg.length;
      },
    },
  };
}

/** The ingest's job options; one camera per frame here, so that N frames wait at once (none replaced). */
const OPTS = (data) => ({
  jobId: `cam-${data.cameraId}-${Date.now()}`,
  removeOnComplete: true,
  removeOnFail: 50,
  attempts: 1,
});

async function info(redis, section, field) {
  const text = await redis.info(section);
  return Number(new RegExp(`^${field}:(\\S+)`, "m").exec(text)?.[1] ?? Number.NaN);
}

const redisCpu = async (redis) =>
  (await info(redis, "cpu", "used_cpu_sys")) + (await info(redis, "cpu", "used_cpu_user"));

/** Consumes every waiting frame with a BullMQ worker, as the analytics worker does (without analysing). */
async function drain(qconn, queue, take, n) {
  let done = 0;
  let finish;
  const all = new Promise((r) => {
    finish = r;
  });
  const worker = new Worker(
    queue.name,
    async (job) => {
      const bytes = await take(job);
      if (++done === n) finish();
      return { bytes };
    },
    { connection: qconn, prefix: PREFIX, concurrency: 4, removeOnComplete: { count: 0 } },
  );
  await all;
  await worker.close();
}

/** One way, one round: N frames queued (memory), then taken (CPU over the whole trip). */
async function round(ctx, name, way) {
  const { redis, qconn, jpegs } = ctx;
  await redis.flushall();
  const queue = new Queue(`frames-${name}`, { connection: qconn, prefix: PREFIX });
  // Warm up (scripts loaded, keys of the queue created) before the baseline.
  await way.add(queue, frameData(0), jpegs[0]);
  await drain(qconn, queue, way.take, 1);
  const mem0 = await info(redis, "memory", "used_memory");
  const cpu0 = await redisCpu(redis);
  const node0 = process.cpuUsage();
  for (let i = 1; i <= FRAMES; i++) await way.add(queue, frameData(i), jpegs[i % jpegs.length]);
  const mem1 = await info(redis, "memory", "used_memory");
  await drain(qconn, queue, way.take, FRAMES);
  const cpu1 = await redisCpu(redis);
  const node = process.cpuUsage(node0);
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    bytesPerFrame: (mem1 - mem0) / FRAMES,
    redisCpuUs: ((cpu1 - cpu0) * 1e6) / FRAMES,
    nodeCpuUs: (node.user + node.system) / FRAMES,
  };
}

const frameData = (i) => ({
  cameraId: i + 1,
  capturedAt: new Date().toISOString(),
  width: 640,
  height: 480,
  source: "keyframe",
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function report(what, jpegs, results) {
  const mean = jpegs.reduce((a, j) => a + j.length, 0) / jpegs.length;
  console.log(`frames: ${what}; ${jpegs.length} distinct, mean ${(mean / 1024).toFixed(1)} KiB`);
  console.log(`${FRAMES} frames per round, ${ROUNDS} rounds per way (alternating), medians:\n`);
  console.log("way   Redis KiB/waiting frame   Redis CPU µs/frame   this process CPU µs/frame");
  const row = (name) => {
    const rs = results[name];
    return {
      kib: median(rs.map((r) => r.bytesPerFrame)) / 1024,
      redis: median(rs.map((r) => r.redisCpuUs)),
      node: median(rs.map((r) => r.nodeCpuUs)),
    };
  };
  const o = row("old");
  const n = row("new");
  for (const [name, r] of [
    ["old", o],
    ["new", n],
  ])
    console.log(
      `${name.padEnd(4)}  ${r.kib.toFixed(1).padStart(23)}  ${r.redis.toFixed(0).padStart(19)}  ${r.node.toFixed(0).padStart(26)}`,
    );
  console.log(
    `new/old  ${(n.kib / o.kib).toFixed(2).padStart(20)}×  ${(n.redis / o.redis).toFixed(2).padStart(18)}×  ${(n.node / o.node).toFixed(2).padStart(25)}×`,
  );
  // The machine is shared: the spread of the ratio over the rounds (each round's new against its old).
  const spread = (k) => {
    const rs = results.new.map((r, i) => r[k] / results.old[i][k]).sort((x, y) => x - y);
    return `${rs[0].toFixed(2)}–${rs.at(-1).toFixed(2)}`;
  };
  console.log(
    `range    ${spread("bytesPerFrame").padStart(21)}  ${spread("redisCpuUs").padStart(19)}  ${spread("nodeCpuUs").padStart(26)}`,
  );
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), "mf-bench-frames-"));
  const priv = await startPrivateRedis({ dir: path.join(work, "redis") });
  const redis = createRedis(priv.url);
  const qconn = createRedis(priv.url, { maxRetriesPerRequest: null });
  try {
    const { what, jpegs } = await cameraFrames();
    const ctx = { redis, qconn, jpegs };
    const w = ways(redisBlobStore(redis));
    const results = { old: [], new: [] };
    for (let r = 0; r < ROUNDS; r++)
      for (const name of r % 2 ? ["new", "old"] : ["old", "new"])
        results[name].push(await round(ctx, name, w[name]));
    report(what, jpegs, results);
  } finally {
    redis.disconnect();
    qconn.disconnect();
    await priv.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
