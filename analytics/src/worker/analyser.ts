/**
 * Runs frame analysis off the main thread: a pool of inference threads (one ONNX Runtime session per
 * model per thread, one intra-op thread each). `createInlineAnalyser` runs the same code in-process, for
 * the evaluation and the benchmark's baseline only.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { analyseFrame, type FrameObservation, type FramePlan } from "../analysis/frame.pipeline.js";
import type { AnalyticsConfig } from "../config.schema.js";
import { ModelError } from "../models/card.js";
import { BadInputError } from "../models/image.adapter.js";
import { OutputShapeError } from "../post/yolo.decoder.js";
import type { Capabilities } from "../rules/rules.engine.js";
import { loadModelSet } from "./model-set.js";

export interface Analyser {
  readonly caps: Capabilities;
  /** Default models whose files are absent. */
  readonly missing: string[];
  analyse(jpeg: Uint8Array, plan: FramePlan): Promise<FrameObservation>;
  close(): Promise<void>;
}

interface SerialisedError {
  name: string;
  message: string;
  reason?: string;
}

export function serialiseError(err: unknown): SerialisedError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, ...(e instanceof BadInputError ? { reason: e.reason } : {}) };
}

export function reviveError(e: SerialisedError): Error {
  if (e.name === "BadInputError") return new BadInputError(e.message, e.reason ?? "corrupt");
  if (e.name === "OutputShapeError") return new OutputShapeError(e.message);
  if (e.name === "ModelError") return new ModelError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

type ModelsConfig = Pick<AnalyticsConfig, "models" | "modelsDir">;

export async function createInlineAnalyser(cfg: ModelsConfig): Promise<Analyser> {
  const loaded = await loadModelSet(cfg);
  return {
    caps: loaded.caps,
    missing: loaded.missing,
    analyse: (jpeg, plan) => analyseFrame(jpeg, plan, loaded.models),
    close: () => loaded.release(),
  };
}

/** The compiled thread script: beside this file in dist/, or dist/ when running from the sources. */
export function threadScript(): string {
  const here = fileURLToPath(import.meta.url);
  const js = here.endsWith(".ts")
    ? here.replace(/\/analytics\/src\//, "/analytics/dist/").replace(/analyser\.ts$/, "inference.thread.js")
    : here.replace(/analyser\.js$/, "inference.thread.js");
  if (!existsSync(js)) throw new Error(`inference thread script ${js} is missing: build first (npx tsc -b)`);
  return js;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending?: { id: number; resolve: (o: FrameObservation) => void; reject: (e: Error) => void };
}

export async function createThreadPool(cfg: ModelsConfig, size: number): Promise<Analyser> {
  const script = threadScript();
  const slots: Slot[] = [];
  const waiting: {
    jpeg: Uint8Array;
    plan: FramePlan;
    resolve: (o: FrameObservation) => void;
    reject: (e: Error) => void;
  }[] = [];
  let nextId = 1;
  let closed = false;
  let caps: Capabilities | undefined;
  let missing: string[] = [];

  const spawn = () =>
    new Promise<Slot>((resolve, reject) => {
      const worker = new Worker(script, { workerData: { models: cfg.models, modelsDir: cfg.modelsDir } });
      const slot: Slot = { worker, busy: false };
      let ready = false;
      worker.on(
        "message",
        (msg: {
          type: string;
          id?: number;
          obs?: FrameObservation;
          error?: SerialisedError;
          caps?: Capabilities;
          missing?: string[];
        }) => {
          if (msg.type === "ready") {
            ready = true;
            caps = msg.caps;
            missing = msg.missing ?? [];
            resolve(slot);
          } else if (msg.type === "failed") {
            reject(reviveError(msg.error as SerialisedError));
          } else if (msg.type === "result" && slot.pending?.id === msg.id) {
            const p = slot.pending as NonNullable<Slot["pending"]>;
            slot.pending = undefined;
            slot.busy = false;
            if (msg.error) p.reject(reviveError(msg.error));
            else p.resolve(msg.obs as FrameObservation);
            pump();
          }
        },
      );
      worker.on("error", (err) => {
        if (!ready) reject(err);
        fail(slot, err);
      });
      worker.on("exit", (code) => {
        if (!ready) reject(new Error(`inference thread exited with code ${code} before it was ready`));
        fail(slot, new Error(`inference thread exited (code ${code})`));
      });
    });

  const fail = (slot: Slot, err: Error) => {
    const i = slots.indexOf(slot);
    if (i < 0) return;
    slots.splice(i, 1);
    slot.pending?.reject(err);
    slot.pending = undefined;
    if (!closed) {
      // Replace the dead thread; its frame failed, the others carry on.
      spawn()
        .then((s) => {
          if (closed) void s.worker.terminate();
          else {
            slots.push(s);
            pump();
          }
        })
        .catch(() => {});
    }
  };

  const pump = () => {
    for (const slot of slots) {
      if (slot.busy) continue;
      const job = waiting.shift();
      if (!job) return;
      slot.busy = true;
      const id = nextId++;
      slot.pending = { id, resolve: job.resolve, reject: job.reject };
      slot.worker.postMessage({ type: "analyse", id, jpeg: job.jpeg, plan: job.plan });
    }
  };

  try {
    for (const s of await Promise.all(Array.from({ length: size }, spawn))) slots.push(s);
  } catch (err) {
    closed = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw err;
  }
  return {
    get caps() {
      return caps as Capabilities;
    },
    get missing() {
      return missing;
    },
    analyse(jpeg, plan) {
      if (closed) return Promise.reject(new Error("analyser closed"));
      return new Promise((resolve, reject) => {
        waiting.push({ jpeg, plan, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const w of waiting.splice(0)) w.reject(new Error("analyser closed"));
      await Promise.all(
        slots.splice(0).map(async (s) => {
          s.worker.postMessage({ type: "close" });
          const exited = new Promise<void>((r) => s.worker.once("exit", () => r()));
          const t = setTimeout(() => void s.worker.terminate(), 2000);
          await exited;
          clearTimeout(t);
        }),
      );
    },
  };
}
