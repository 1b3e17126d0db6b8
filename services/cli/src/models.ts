/**
 * `mingfang models retrain|rollback`: from the supervisors' feedback to a better classifier, and back.
 *
 * Where models live: the committed ones in the repository's models/ folder (never written here); a
 * retrained one is installed under the installed-models folder (INSTALLED_MODELS_DIR, default
 * DATA_DIR/models) at the same relative path (`hat-classifier/hat-classifier.onnx` + card.json), which the
 * analytics worker prefers to the committed file when it loads its models (at start: restart it).
 *
 *   <installed>/<model>/             the installed version (card.json carries its version; retrain.json
 *                                    the measurement that let it in)
 *   <installed>/<model>.previous/    the version it replaced, when that was an installed one (absent: the
 *                                    committed model was in use before)
 *   <installed>/.retrain/            candidates that were refused (kept with their report), models rolled
 *                                    back, and the base data derived once (.retrain/cache)
 *
 * The training and the measurement are models/tools/retrain.py (PyTorch, Debian python3-torch); which
 * classifier a check retrains is models/tools/retrain-checks.json. One level of rollback is kept.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { modelRoot } from "@mingfang/analytics";

/** The repository's models/ folder (beside services/), from dist/ or src/. */
export const COMMITTED_MODELS_DIR = fileURLToPath(new URL("../../../models", import.meta.url));

export interface RetrainCheck {
  /** Folder under models/ (its ONNX file is <model>.onnx). */
  model: string;
  violating: string;
  compliant: string;
}

/** The checks that have a retrainable classifier: models/tools/retrain-checks.json. */
export function retrainChecks(committedDir = COMMITTED_MODELS_DIR): Record<string, RetrainCheck> {
  const table = JSON.parse(
    readFileSync(path.join(committedDir, "tools", "retrain-checks.json"), "utf8"),
  ) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(table).filter(([k]) => !k.startsWith("_")) as [string, RetrainCheck][],
  );
}

function checkOf(check: string, committedDir: string): RetrainCheck {
  const table = retrainChecks(committedDir);
  const spec = table[check];
  if (!spec)
    throw new Error(`no classifier to retrain for '${check}' (known: ${Object.keys(table).join(", ")})`);
  return spec;
}

/** The folder of the model in use for a check: the installed one, else the committed one. */
export function currentModelDir(spec: RetrainCheck, installedDir: string, committedDir: string): string {
  return path.join(
    modelRoot(path.join(spec.model, `${spec.model}.onnx`), installedDir, committedDir),
    spec.model,
  );
}

function versionIn(dir: string): string {
  try {
    const card = JSON.parse(readFileSync(path.join(dir, "card.json"), "utf8")) as { version?: string };
    return card.version ?? "?";
  } catch {
    return "?";
  }
}

export interface RetrainOptions {
  check: string;
  installedDir: string;
  committedDir?: string;
  feedback?: string;
  epochs?: number;
  lr?: number;
  baseLimit?: number;
  baseData?: string;
  /** The strict rule (any net loss refuses) instead of the paired comparison's noise margin. */
  strict?: boolean;
  /** The Python with torch (default /usr/bin/python3, Debian's, which python3-torch installs into). */
  python?: string;
  /** Each progress line of the training. */
  progress?: (line: string) => void;
}

export interface RetrainResult {
  installed: boolean;
  reason: string;
  /** The candidate's version (installed or not) and the version it was measured against. */
  version: string;
  from: string;
  /** Its folder: <installed>/<model> when installed, else the refused candidate under .retrain/. */
  dir: string;
  report: unknown;
}

const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

/** `<dir>/<name>-<time>`, with -2, -3, … when that exists (two runs in one second). */
function freshDir(dir: string, name: string): string {
  const first = path.join(dir, `${name}-${stamp()}`);
  let out = first;
  for (let i = 2; existsSync(out); i++) out = `${first}-${i}`;
  return out;
}

function defaultPython(): string {
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/** Runs retrain.py, forwarding its lines; resolves with its RESULT line's JSON. */
function runRetrainPy(python: string, args: string[], progress: (l: string) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"] });
    let result: unknown;
    let tail = "";
    const onLines = (buf: string, isErr: boolean) => {
      for (const line of buf.split("\n")) {
        if (!line) continue;
        if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7));
        else progress(line);
        if (isErr) tail = `${tail}\n${line}`.slice(-2000);
      }
    };
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const cut = out.lastIndexOf("\n");
      if (cut >= 0) {
        onLines(out.slice(0, cut), false);
        out = out.slice(cut + 1);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => onLines(d, true));
    child.on("error", (err) =>
      reject(
        new Error(
          `cannot run ${python}: ${err.message} (install the training stack: node deploy/setup.mjs --for models)`,
        ),
      ),
    );
    child.on("close", (code) => {
      if (out) onLines(out, false);
      if (code === 0 && result) resolve(result);
      else reject(new Error(`retraining failed (exit ${code}):${tail || " no output"}`));
    });
  });
}

/**
 * Fine-tunes the check's classifier on the feedback export and the base set, measures old and new, and
 * installs the new one only when retrain.py finds it not worse (its rule, in its report); the replaced
 * installed version is kept as <model>.previous.
 */
export async function retrainModel(o: RetrainOptions): Promise<RetrainResult> {
  const committed = o.committedDir ?? COMMITTED_MODELS_DIR;
  const spec = checkOf(o.check, committed);
  if (o.feedback && !existsSync(o.feedback)) throw new Error(`feedback export not found: ${o.feedback}`);
  const work = path.join(o.installedDir, ".retrain");
  mkdirSync(work, { recursive: true });
  const candidate = freshDir(work, spec.model);
  const args = [
    path.join(committed, "tools", "retrain.py"),
    ...["--check", o.check, "--current", currentModelDir(spec, o.installedDir, committed)],
    ...["--out", candidate, "--cache", path.join(work, "cache")],
    ...(o.feedback ? ["--feedback", path.resolve(o.feedback)] : []),
    ...(o.epochs !== undefined ? ["--epochs", String(o.epochs)] : []),
    ...(o.lr !== undefined ? ["--lr", String(o.lr)] : []),
    ...(o.baseLimit ? ["--base-limit", String(o.baseLimit)] : []),
    ...(o.baseData ? ["--base-data", path.resolve(o.baseData)] : []),
    ...(o.strict ? ["--z", "0"] : []),
  ];
  const r = (await runRetrainPy(o.python ?? defaultPython(), args, o.progress ?? (() => {}))) as {
    install: boolean;
    reason: string;
    version: string;
    from: string;
  };
  const report = JSON.parse(readFileSync(path.join(candidate, "retrain.json"), "utf8")) as unknown;
  if (!r.install)
    return { installed: false, reason: r.reason, version: r.version, from: r.from, dir: candidate, report };
  const target = path.join(o.installedDir, spec.model);
  const previous = `${target}.previous`;
  rmSync(previous, { recursive: true, force: true });
  if (existsSync(target)) renameSync(target, previous);
  renameSync(candidate, target);
  return { installed: true, reason: r.reason, version: r.version, from: r.from, dir: target, report };
}

export interface RollbackResult {
  /** The version rolled back, and the one now in use. */
  removed: string;
  active: string;
  /** Where the active model is: the restored previous install, or the committed folder. */
  activeDir: string;
}

/**
 * Puts the previous version back: the installed model moves to .retrain/<model>-rolled-back-<time>, and
 * <model>.previous (if any) becomes the installed one; without it, the committed model is in use again.
 */
export function rollbackModel(o: {
  check: string;
  installedDir: string;
  committedDir?: string;
}): RollbackResult {
  const committed = o.committedDir ?? COMMITTED_MODELS_DIR;
  const spec = checkOf(o.check, committed);
  const target = path.join(o.installedDir, spec.model);
  if (!existsSync(target))
    throw new Error(
      `nothing to roll back for ${o.check}: no retrained ${spec.model} is installed in ${o.installedDir} (the committed one is in use)`,
    );
  const removed = versionIn(target);
  const work = path.join(o.installedDir, ".retrain");
  mkdirSync(work, { recursive: true });
  renameSync(target, freshDir(work, `${spec.model}-rolled-back`));
  const previous = `${target}.previous`;
  if (existsSync(previous)) {
    renameSync(previous, target);
    return { removed, active: versionIn(target), activeDir: target };
  }
  const base = path.join(committed, spec.model);
  return { removed, active: versionIn(base), activeDir: base };
}
