/**
 * Runs frame analysis off the main thread: a pool of inference threads (one ONNX Runtime session per
 * model per thread, one intra-op thread each). `createInlineAnalyser` runs the same code in-process, for
 * the evaluation and the benchmark's baseline only.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { analyseFrame, type FrameObservation, type FramePlan } from "../analysis/frame.pipeline.js";
import { ModelError } from "../models/card.js";
import { BadInputError } from "../models/image.adapter.js";
import { OutputShapeError } from "../post/yolo.decoder.js";
import type { Capabilities } from "../rules/rules.engine.js";
import { loadModelSet, type ModelsConfig } from "./model-set.js";

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

interface Waiting {
  jpeg: Uint8Array;
  plan: FramePlan;
  resolve: (o: FrameObservation) => void;
  reject: (e: Error) => void;
}

/** What an inference thread says. */
interface ThreadMessage {
  type: string;
  id?: number;
  obs?: FrameObservation;
  error?: SerialisedError;
  caps?: Capabilities;
  missing?: string[];
}

/**
 * Inference threads and a FIFO of frames waiting for a free one. A thread that dies fails its frame and
 * is replaced; the others carry on.
 */
class ThreadPool implements Analyser {
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiting[] = [];
  private nextId = 1;
  private closed = false;
  private capabilities: Capabilities | undefined;
  private absent: string[] = [];

  constructor(
    private readonly script: string,
    private readonly cfg: ModelsConfig,
  ) {}

  get caps(): Capabilities {
    return this.capabilities as Capabilities;
  }

  get missing(): string[] {
    return this.absent;
  }

  /** Starts `size` threads; rejects when one of them cannot load its models. */
  async start(size: number): Promise<void> {
    try {
      for (const s of await Promise.all(Array.from({ length: size }, () => this.spawn()))) this.slots.push(s);
    } catch (err) {
      this.closed = true;
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
      throw err;
    }
  }

  analyse(jpeg: Uint8Array, plan: FramePlan): Promise<FrameObservation> {
    if (this.closed) return Promise.reject(new Error("analyser closed"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ jpeg, plan, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error("analyser closed"));
    await Promise.all(
      this.slots.splice(0).map(async (s) => {
        s.worker.postMessage({ type: "close" });
        const exited = new Promise<void>((r) => s.worker.once("exit", () => r()));
        const t = setTimeout(() => void s.worker.terminate(), 2000);
        await exited;
        clearTimeout(t);
      }),
    );
  }

  /** A new thread; resolves when its models are loaded. */
  private spawn(): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      const { models, modelsDir, installedModelsDir, executionProvider } = this.cfg;
      const worker = new Worker(this.script, {
        workerData: { models, modelsDir, installedModelsDir, executionProvider },
      });
      const slot: Slot = { worker, busy: false };
      let ready = false;
      worker.on("message", (msg: ThreadMessage) => {
        if (msg.type === "ready") {
          ready = true;
          this.capabilities = msg.caps;
          this.absent = msg.missing ?? [];
          resolve(slot);
        } else if (msg.type === "failed") {
          reject(reviveError(msg.error as SerialisedError));
        } else if (msg.type === "result") {
          this.settle(slot, msg);
        }
      });
      worker.on("error", (err) => {
        if (!ready) reject(err);
        this.fail(slot, err);
      });
      worker.on("exit", (code) => {
        if (!ready) reject(new Error(`inference thread exited with code ${code} before it was ready`));
        this.fail(slot, new Error(`inference thread exited (code ${code})`));
      });
    });
  }

  /** A thread's result for its frame: settle the frame, give the thread the next one. */
  private settle(slot: Slot, msg: ThreadMessage): void {
    if (slot.pending?.id !== msg.id) return;
    const p = slot.pending as NonNullable<Slot["pending"]>;
    slot.pending = undefined;
    slot.busy = false;
    if (msg.error) p.reject(reviveError(msg.error));
    else p.resolve(msg.obs as FrameObservation);
    this.pump();
  }

  private fail(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.pending?.reject(err);
    slot.pending = undefined;
    if (this.closed) return;
    // Replace the dead thread; its frame failed, the others carry on.
    this.spawn()
      .then((s) => {
        if (this.closed) void s.worker.terminate();
        else {
          this.slots.push(s);
          this.pump();
        }
      })
      .catch(() => {});
  }

  /** Hands waiting frames to idle threads. */
  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const job = this.waiting.shift();
      if (!job) return;
      slot.busy = true;
      const id = this.nextId++;
      slot.pending = { id, resolve: job.resolve, reject: job.reject };
      slot.worker.postMessage({ type: "analyse", id, jpeg: job.jpeg, plan: job.plan });
    }
  }
}

export async function createThreadPool(cfg: ModelsConfig, size: number): Promise<Analyser> {
  const pool = new ThreadPool(threadScript(), cfg);
  await pool.start(size);
  return pool;
}
