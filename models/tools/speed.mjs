#!/usr/bin/env node
// ms per run of one ONNX model on one thread: node models/tools/speed.mjs FILE SIZE [RUNS]
import { loadavg } from "node:os";
import { measureSpeed } from "./parity.mjs";

const [file, size, runs] = process.argv.slice(2);
const r = await measureSpeed(file, Number(size), Number(runs ?? 50));
process.stdout.write(
  `${JSON.stringify({ file, msMin: Number(r.min.toFixed(2)), msMedian: Number(r.median.toFixed(2)), msP90: Number(r.p90.toFixed(2)), loadAverage1m: loadavg()[0] })}\n`,
);
