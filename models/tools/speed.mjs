#!/usr/bin/env node
// ms per run of ONNX models on one thread, taking turns (so a busy moment hits each alike):
//   node models/tools/speed.mjs FILE SIZE [FILE SIZE ...] [--runs N]      SIZE: 192 (square) or 384x288
import { loadavg } from "node:os";
import { measureSpeed } from "./parity.mjs";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 50;
const rest = runsAt >= 0 ? args.slice(0, runsAt).concat(args.slice(runsAt + 2)) : args;
const pairs = [];
for (let i = 0; i + 1 < rest.length; i += 2) pairs.push([rest[i], rest[i + 1]]);
const rounds = 5;
const times = new Map(pairs.map(([f, s]) => [`${f} ${s}`, []]));
for (let r = 0; r < rounds; r++) {
  for (const [file, size] of pairs) {
    const [w, h] = String(size).split("x").map(Number);
    const m = await measureSpeed(file, w, Math.ceil(runs / rounds), h ?? w);
    times.get(`${file} ${size}`).push(m.min, m.median);
  }
}
for (const [k, v] of times) {
  const mins = v.filter((_, i) => i % 2 === 0);
  const medians = v.filter((_, i) => i % 2 === 1).sort((a, b) => a - b);
  const [file, size] = k.split(" ");
  process.stdout.write(
    `${JSON.stringify({ file, size, msMin: Number(Math.min(...mins).toFixed(2)), msMedianOfRounds: Number(medians[Math.floor(medians.length / 2)].toFixed(2)), loadAverage1m: loadavg()[0] })}\n`,
  );
}
