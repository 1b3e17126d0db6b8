#!/usr/bin/env node
// `npm run models:build`: converts the TF.js graph models shipped in @vladmandic/human (node_modules, from the
// npm registry) to ONNX, checks each against its TF.js original, measures its speed, and writes
//   models/<name>/<name>.onnx, models/<name>/card.json, models/<name>/README.md
// Conversion runs models/tools/tfjs_to_onnx.py with Debian's python3-onnx and python3-numpy.
// Options: --only NAME[,NAME]   convert only these;  --no-parity   skip the TF.js comparison (faster);
//          --size WxH   another input size (one resizable model, e.g. --only centernet --size 512x512);
//          --out DIR    write there instead of models/<name>/ (to compare candidates without touching the
//                       committed files).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CONVERTED, inputDims, resized } from "./catalogue.mjs";
import { measureParity, measureSpeed } from "./parity.mjs";
import { humanModelsDir } from "./tfjs-reference.mjs";

const MODELS_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const ROOT = dirname(MODELS_DIR);
const PYTHON = "/usr/bin/python3";
const TOLERANCE = 1e-4;

const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : undefined;
const parity = !args.includes("--no-parity");
const sizeArg = args.includes("--size") ? args[args.indexOf("--size") + 1] : undefined;
const outArg = args.includes("--out") ? args[args.indexOf("--out") + 1] : undefined;
let chosen = CONVERTED.filter((m) => !only || only.includes(m.name));
if (sizeArg) {
  if (chosen.length !== 1) throw new Error("--size needs --only with one model");
  chosen = [resized(chosen[0], sizeArg)];
}

const steps = chosen.length * (parity ? 4 : 3);
let done = 0;
const started = Date.now();
function progress(label) {
  done++;
  const width = 24;
  const filled = Math.round((done / steps) * width);
  const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`[models] [${bar}] ${done}/${steps} ${secs}s ${label}\n`);
}

function checkPython() {
  const r = spawnSync(PYTHON, ["-c", "import onnx, numpy"], { encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(
      "[models] the converter needs Debian's python3-onnx and python3-numpy:\n\n  sudo apt-get install -y python3-onnx python3-numpy\n\n",
    );
    process.exit(1);
  }
}

function convert(entry, out) {
  const { width, height } = inputDims(entry);
  const spec = {
    modelJson: join(humanModelsDir, `${entry.tfjs}.json`),
    output: out,
    inputSize: [height, width],
    ...(entry.sizeConsts ? { consts: entry.sizeConsts(width, height) } : {}),
    preprocess: entry.preprocess,
    post: entry.post,
    graphName: entry.name,
    outputs: entry.outputs.filter((o) => o.tf).map((o) => ({ tf: o.tf, name: o.name, shape: o.shape })),
    metadata: { source: entry.source, licence: entry.licence, converter: "models/tools/tfjs_to_onnx.py" },
  };
  const specFile = join(tmpdir(), `mingfang-${entry.name}-spec.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const r = spawnSync(PYTHON, [join(MODELS_DIR, "tools", "tfjs_to_onnx.py"), specFile], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`conversion of ${entry.name} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

function card(entry, dir, file, metrics) {
  return {
    name: entry.name,
    // The catalogue entry's: bumped when the conversion gives another model; alerts record it (`centernet@2`).
    version: entry.version ?? "1",
    task: entry.task,
    file: relative(dir, file),
    input: {
      name: "image",
      ...inputDims(entry),
      layout: "NCHW",
      channels: "RGB",
      range: [0, 1],
      letterbox: entry.letterbox,
    },
    outputs: entry.outputs.map((o) => ({ name: o.name, shape: o.shape, layout: o.layout })),
    classes: entry.classes,
    thresholds: entry.thresholds,
    source: entry.source,
    licence: entry.licence,
    metrics,
  };
}

function readme(entry, metrics) {
  const template = readFileSync(join(MODELS_DIR, "tools", "readme", `${entry.name}.md`), "utf8");
  const fmt = (v) => (v === undefined ? "not measured" : v.toExponential(1));
  const parityLines = metrics.parity
    ? Object.entries(metrics.parity.maxDiff)
        .map(([k, v]) => `| \`${k}\` | ${fmt(v)} |`)
        .join("\n")
    : "| (not run) | |";
  return template
    .replaceAll("{{parity}}", parityLines)
    .replaceAll("{{ms}}", metrics.speed.msMedian.toFixed(1))
    .replaceAll("{{min}}", metrics.speed.msMin.toFixed(1))
    .replaceAll("{{p90}}", metrics.speed.msP90.toFixed(1))
    .replaceAll("{{load}}", metrics.speed.loadAverage1m.toFixed(2))
    .replaceAll("{{bytes}}", (metrics.bytes / 1e6).toFixed(1));
}

async function main() {
  checkPython();
  process.stdout.write(
    `[models] converting ${chosen.map((m) => m.name).join(", ")} from ${relative(ROOT, humanModelsDir)}\n`,
  );
  const failures = [];
  for (const entry of chosen) {
    const dir = outArg ?? join(MODELS_DIR, entry.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${entry.name}.onnx`);
    const info = convert(entry, file);
    progress(`${entry.name}: converted (${info.nodes} nodes, ${(info.bytes / 1e6).toFixed(1)} MB)`);
    const metrics = { bytes: info.bytes, ...(entry.accuracy ? { accuracy: entry.accuracy } : {}) };
    if (parity) {
      const maxDiff = await measureParity(entry, file);
      const worst = Math.max(...Object.values(maxDiff));
      metrics.parity = {
        reference: "@tensorflow/tfjs-core 4.22.0 + tfjs-backend-cpu (pure JS) executing the original graph",
        inputs: "2 fixed 8-bit patterns (models/tools/catalogue.mjs fixedPixels seeds 1, 2)",
        tolerance: TOLERANCE,
        maxDiff,
      };
      progress(`${entry.name}: parity with TF.js, worst difference ${worst.toExponential(1)}`);
      for (const [name, diff] of Object.entries(maxDiff)) {
        const tolerance = entry.outputs.find((o) => o.name === name)?.tolerance ?? TOLERANCE;
        if (!(diff <= tolerance)) failures.push(`${entry.name}: parity of ${name} ${diff} > ${tolerance}`);
      }
    }
    const dims = inputDims(entry);
    const speed = await measureSpeed(file, dims.width, 20, dims.height);
    metrics.speed = {
      msMin: Number(speed.min.toFixed(2)),
      msMedian: Number(speed.median.toFixed(2)),
      msP90: Number(speed.p90.toFixed(2)),
      threads: 1,
      runtime: "onnxruntime-node 1.30.0 CPU",
      loadAverage1m: Number(loadavg()[0].toFixed(2)),
    };
    progress(
      `${entry.name}: ${speed.median.toFixed(1)} ms per run median, ${speed.min.toFixed(1)} fastest (one thread)`,
    );
    writeFileSync(join(dir, "card.json"), `${JSON.stringify(card(entry, dir, file, metrics), null, 2)}\n`);
    writeFileSync(join(dir, "README.md"), readme(entry, metrics));
    progress(`${entry.name}: wrote ${relative(ROOT, dir)}/{${entry.name}.onnx,card.json,README.md}`);
  }
  if (failures.length) {
    process.stderr.write(`[models] FAILED:\n  ${failures.join("\n  ")}\n`);
    process.exit(1);
  }
  process.stdout.write(`[models] done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

await main();
