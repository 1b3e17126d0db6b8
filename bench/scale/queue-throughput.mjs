#!/usr/bin/env node
/**
 * bench/scale queue-throughput: how many analysed-frame trips one Redis carries, for sizing (docs/scaling.md).
 * Each trip is what a sampled frame costs Redis on the real path: the ingest's `QueueFrameSink.push` (the
 * camera's snapshot, the frame blob, the BullMQ job, the camera's waiting frame replaced) and the analytics
 * worker's take (a BullMQ worker: the blob read and deleted, the job completed). The baseline, in the same
 * run on the same private Redis (127.0.0.1), is the least any queue could do with the same bytes: the
 * snapshot SET, the blob SET with a TTL and an LPUSH of the job's JSON, taken by BRPOP, GET and DEL.
 *
 *   npm run build && node bench/scale/queue-throughput.mjs [--seconds 10] [--rounds 3] [--cameras 200]
 *
 * Printed per way (medians of the rounds, alternating ways): trips per second through this one client
 * process (bounded by Node here, not by Redis), Redis CPU µs per trip (INFO cpu delta / trips) and what
 * that makes one Redis core carry: trips per Redis-core-second = 1e6 / µs, i.e. cameras at 0.5 fps.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue, Worker } from "bullmq";
import { QueueFrameSink } from "../../ingest/dist/index.js";
import { createRedis, QUEUES, redisBlobStore } from "../../services/core/dist/index.js";
import { startPrivateRedis } from "../../services/process/dist/index.js";
import { cameraFrames } from "../support/frames.mjs";
import { arg } from "../support/stats.mjs";

const SECONDS = arg("--seconds", 10);
const ROUNDS = arg("--rounds", 3);
const CAMERAS = arg("--cameras", 200);
const PREFIX = "bench-scale";
/** Frames in flight from the producer at once (many cameras pushing at the same moment). */
const IN_FLIGHT = 16;

async function redisCpu(redis) {
  const text = await redis.info("cpu");
  const f = (k) => Number(new RegExp(`^${k}:(\\S+)`, "m").exec(text)?.[1]);
  return f("used_cpu_sys") + f("used_cpu_user");
}

/** Runs `push(i)` with IN_FLIGHT in flight until `until`; resolves with how many were pushed. */
async function produce(push, until) {
  let i = 0;
  const lane = async () => {
    while (performance.now() < until) await push(i++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return i;
}

/** The platform's path: QueueFrameSink in, a BullMQ worker out (blob read and deleted). */
async function platform(ctx, until) {
  const { redis, url, jpegs } = ctx;
  const qconn = createRedis(url, { maxRetriesPerRequest: null });
  const sink = new QueueFrameSink(redis, qconn, PREFIX);
  const blobs = redisBlobStore(redis);
  let taken = 0;
  const wconn = createRedis(url, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUES.frames,
    async (job) => {
      const jpeg = await blobs.get(job.data.frameKey);
      await blobs.delete(job.data.frameKey);
      taken++;
      return jpeg?.length ?? 0;
    },
    { connection: wconn, prefix: PREFIX, concurrency: 8 },
  );
  const pushed = await produce(
    (i) => sink.push((i % CAMERAS) + 1, jpegs[i % jpegs.length], 640, 480, "fps"),
    until,
  );
  const queue = new Queue(QUEUES.frames, { connection: qconn, prefix: PREFIX });
  for (;;) {
    const c = await queue.getJobCounts("waiting", "active", "prioritized");
    if (c.waiting + c.active + c.prioritized === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await queue.close();
  await worker.close();
  await sink.close();
  qconn.disconnect();
  wconn.disconnect();
  return { pushed, taken };
}

/** The least a queue could do with the same bytes: SET, SET EX, LPUSH in; BRPOP, GET, DEL out. */
async function minimal(ctx, until) {
  const { redis, url, jpegs } = ctx;
  const consumer = createRedis(url);
  let taken = 0;
  let producing = true;
  const consume = (async () => {
    while (producing || (await consumer.llen("bench-min:jobs")) > 0) {
      const got = await consumer.brpop("bench-min:jobs", 0.2);
      if (!got) continue;
      const { frameKey } = JSON.parse(got[1]);
      await consumer.getBuffer(frameKey);
      await consumer.del(frameKey);
      taken++;
    }
  })();
  const pushed = await produce(async (i) => {
    const cam = (i % CAMERAS) + 1;
    const jpeg = jpegs[i % jpegs.length];
    const frameKey = `bench-min:blob:${i}`;
    await redis.set(`bench-min:snap:${cam}`, jpeg, "EX", 60);
    await redis.set(frameKey, jpeg, "EX", 120);
    await redis.lpush("bench-min:jobs", JSON.stringify({ cameraId: cam, frameKey, width: 640, height: 480 }));
  }, until);
  producing = false;
  await consume;
  consumer.disconnect();
  return { pushed, taken };
}

async function round(ctx, way) {
  await ctx.redis.flushall();
  const cpu0 = await redisCpu(ctx.redis);
  const t0 = performance.now();
  const { pushed, taken } = await way(ctx, t0 + SECONDS * 1000);
  const secs = (performance.now() - t0) / 1000;
  const cpu = (await redisCpu(ctx.redis)) - cpu0;
  // Per pushed frame: a frame replaced while waiting (newest wins) cost Redis too.
  return { perSecond: pushed / secs, redisUs: (cpu * 1e6) / Math.max(1, pushed), taken: taken / pushed };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function report(what, results) {
  console.log(`frames: ${what}; ${CAMERAS} cameras, ${SECONDS} s per round, ${ROUNDS} rounds per way\n`);
  console.log(
    "way        frames/s (one client)   Redis CPU µs/frame   frames per Redis-core-second (cameras at 0.5 fps)   taken",
  );
  const row = (name) => ({
    perSecond: median(results[name].map((r) => r.perSecond)),
    redisUs: median(results[name].map((r) => r.redisUs)),
    taken: median(results[name].map((r) => r.taken)),
  });
  const rows = { minimal: row("minimal"), platform: row("platform") };
  for (const [name, r] of Object.entries(rows)) {
    const core = 1e6 / r.redisUs;
    console.log(
      `${name.padEnd(9)}  ${r.perSecond.toFixed(0).padStart(21)}  ${r.redisUs.toFixed(0).padStart(19)}  ${core.toFixed(0).padStart(12)} (${(core * 2).toFixed(0)})  ${(r.taken * 100).toFixed(0).padStart(34)} %`,
    );
  }
  console.log(
    `platform/minimal Redis CPU per frame: ${(rows.platform.redisUs / rows.minimal.redisUs).toFixed(2)}×`,
  );
}

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), "mf-bench-scale-"));
  const priv = await startPrivateRedis({ dir: path.join(work, "redis") });
  const redis = createRedis(priv.url);
  try {
    const { what, jpegs } = await cameraFrames();
    const ctx = { redis, url: priv.url, jpegs };
    const results = { minimal: [], platform: [] };
    for (let r = 0; r < ROUNDS; r++)
      for (const name of r % 2 ? ["platform", "minimal"] : ["minimal", "platform"]) {
        results[name].push(await round(ctx, name === "minimal" ? minimal : platform));
        process.stderr.write(`round ${r + 1}/${ROUNDS} ${name}: done\n`);
      }
    report(what, results);
  } finally {
    redis.disconnect();
    await priv.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
