#!/usr/bin/env node
// One analytics worker process for `bench/analytics/run.mjs --workers`: the platform's own startAnalytics
// (BullMQ consumer of `frames`, inference threads, camera claims in Redis) under the run's prefix, driven
// over IPC by the parent: "ready" once the models are loaded; on "cpu" it answers with the process's CPU
// time so far (every thread: main, inference, libvips, ONNX Runtime); on "stop" it stops and exits.
import { startAnalytics } from "../../analytics/dist/index.js";
import { createLogger } from "../../services/core/dist/index.js";

const { redisUrl, prefix, config } = JSON.parse(process.argv[2] ?? "{}");
if (!redisUrl || !prefix || !config || !process.send) {
  process.stderr.write("usage: forked by bench/analytics/run.mjs with its JSON argument\n");
  process.exit(2);
}
const handle = await startAnalytics({
  redisUrl,
  prefix,
  config,
  logger: createLogger({ level: process.env.BENCH_LOG ?? "warn" }),
});
process.on("message", async (msg) => {
  if (msg === "cpu") {
    const c = process.cpuUsage();
    process.send({ type: "cpu", ms: (c.user + c.system) / 1000 });
  } else if (msg === "stop") {
    await handle.stop();
    process.exit(0);
  }
});
process.send({ type: "ready" });
