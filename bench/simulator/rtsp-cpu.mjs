#!/usr/bin/env node
/**
 * CPU of the simulator's RTSP process (GStreamer, one process for all cameras) per camera, with every
 * camera's main and sub stream read by a bare `ffmpeg -rtsp_transport tcp -i … -c copy -f null -`.
 * Baseline measured in the same run: the CPU of those readers (the cost of merely receiving the streams).
 *
 *   npm run build && node bench/simulator/rtsp-cpu.mjs [--cameras 42] [--seconds 30]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { CameraSimulator, simulatedCameras } from "../../ingest/dist/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const cameras = arg("--cameras", 42);
const seconds = arg("--seconds", 30);
const TICKS = 100; // USER_HZ on Linux

/** utime + stime (+ children's when asked) in seconds, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}
function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const sim = new CameraSimulator();
const specs = simulatedCameras(cameras, "bench");
await sim.start({ cameras: specs, discoveryInterface: false });
const readers = [];
try {
  for (const c of specs) {
    for (const stream of ["main", "sub"]) {
      readers.push(
        spawn(
          "ffmpeg",
          [
            "-nostdin",
            "-v",
            "error",
            "-rtsp_transport",
            "tcp",
            "-i",
            sim.rtspUrl(c.key, stream),
            "-c",
            "copy",
            "-f",
            "null",
            "-",
          ],
          {
            stdio: "ignore",
          },
        ),
      );
    }
  }
  await sleep(10_000); // connect and settle
  const pid = sim.rtspPid;
  const s0 = cpuSeconds(pid);
  const r0 = readers.map((r) => cpuSeconds(r.pid));
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const sim1 = cpuSeconds(pid) - s0;
  const readersCpu = readers.reduce((sum, r, i) => sum + cpuSeconds(r.pid) - (r0[i] ?? 0), 0);
  const alive = readers.filter((r) => r.exitCode === null).length;
  const status = await sim.status();
  const media = status.reduce((n, s) => n + (s.rtsp?.media.main ?? 0) + (s.rtsp?.media.sub ?? 0), 0);
  const simPct = (sim1 / wall) * 100;
  const readerPct = (readersCpu / wall) * 100;
  console.log(
    `cameras: ${cameras}, streams read: ${alive}/${readers.length}, media running: ${media}, measured over ${wall.toFixed(1)} s`,
  );
  console.log(
    `simulator RTSP process: ${simPct.toFixed(1)}% of a core in total, ${(simPct / cameras).toFixed(2)}% per camera (main + sub), RSS ${(rssKb(pid) / 1024).toFixed(0)} MiB`,
  );
  console.log(
    `baseline, bare ffmpeg -c copy readers: ${readerPct.toFixed(1)}% of a core in total, ${(readerPct / cameras).toFixed(2)}% per camera`,
  );
  console.log(`ratio simulator / readers: ${(simPct / readerPct).toFixed(2)}`);
} finally {
  for (const r of readers) r.kill("SIGTERM");
  await sim.stop();
}
