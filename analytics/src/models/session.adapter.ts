/**
 * The only module that imports onnxruntime-node. One session per model, created once, one thread, no
 * spinning (idle spinning threads burned as much CPU as the work on this machine), checked against the
 * card and warmed up with one run before it is used.
 */
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { type ModelCard, ModelError } from "./card.js";

export interface TensorOut {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelSession {
  readonly inputName: string;
  readonly outputNames: readonly string[];
  /** The input's first (batch) dimension is symbolic: one run can take several images. */
  readonly batchable: boolean;
  /**
   * One run; `only`: the card's outputs to fetch (default all). The others are still computed where the
   * graph needs them, but not copied out (CenterNet's 80-class heat map is 5 MB a frame).
   */
  run(
    input: Float32Array,
    dims: readonly number[],
    only?: readonly string[],
  ): Promise<Record<string, TensorOut>>;
  release(): Promise<void>;
}

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
};

/** Is this the start of an ONNX ModelProto (field 1 ir_version varint, or another known field)? */
function looksLikeOnnx(bytes: Uint8Array): boolean {
  // ModelProto fields: 1 ir_version (varint → tag 0x08), 2 opset_import / 7 graph / 2-6 strings (tag 0x12..0x3a).
  const tag = bytes[0];
  return (
    bytes.length > 16 &&
    (tag === 0x08 ||
      tag === 0x12 ||
      tag === 0x1a ||
      tag === 0x22 ||
      tag === 0x2a ||
      tag === 0x32 ||
      tag === 0x3a ||
      tag === 0x42)
  );
}

/** The file's bytes, if it can be read and looks like an ONNX model. */
async function readModelFile(file: string, card: ModelCard): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ModelError(
      `model ${card.name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  if (!looksLikeOnnx(bytes)) throw new ModelError(`model ${card.name}: ${file} is not an ONNX model`);
  return bytes;
}

/** Where a session runs its graph (MODEL_EXECUTION_PROVIDER); the CPU takes what a GPU provider cannot. */
export type ExecutionProvider = "cpu" | "cuda" | "tensorrt";

function sessionOptions(provider: ExecutionProvider): ort.InferenceSession.SessionOptions {
  return provider === "cpu" ? SESSION_OPTIONS : { ...SESSION_OPTIONS, executionProviders: [provider, "cpu"] };
}

/**
 * Can a session run on this provider here? Undefined when it can, else why not (onnxruntime-node without
 * the provider's libraries, no GPU, no driver): one session of `file` is created and released.
 */
export async function probeExecutionProvider(
  provider: ExecutionProvider,
  file: string,
): Promise<string | undefined> {
  if (provider === "cpu") return undefined;
  // ONNX Runtime prints a missing provider library as an error on stderr, besides the exception: the
  // caller's one warning says it. (Its log level is the process's, set when its first session is created:
  // the probe runs before any other, and it is only asked for with a GPU provider configured.)
  ort.env.logLevel = "fatal";
  try {
    const s = await ort.InferenceSession.create(file, { ...sessionOptions(provider), logSeverityLevel: 4 });
    await s.release();
    return undefined;
  } catch (err) {
    return (err as Error).message.split("\n")[0];
  }
}

async function createSession(
  bytes: Uint8Array,
  file: string,
  card: ModelCard,
  provider: ExecutionProvider,
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions(provider));
  } catch (err) {
    throw new ModelError(
      `model ${card.name}: ${file} is not a loadable ONNX model: ${(err as Error).message.split("\n")[0]}`,
    );
  }
}

/**
 * The model's input and outputs against the card's: the input name to feed, and whether the single
 * output is the card's under another name.
 */
function matchCard(session: ort.InferenceSession, card: ModelCard): { inputName: string; renamed: boolean } {
  const inputName = card.input.name ?? session.inputNames[0];
  if (!inputName || !session.inputNames.includes(inputName)) {
    throw new ModelError(
      `model ${card.name}: input '${inputName}' of the card is not among the model's inputs [${session.inputNames.join(", ")}]`,
    );
  }
  const missing = card.outputs.filter((o) => !session.outputNames.includes(o.name));
  // A single-output model whose output name differs from the card (YOLO exports: "output0") is fine.
  const renamed = missing.length === 1 && card.outputs.length === 1 && session.outputNames.length === 1;
  if (missing.length && !renamed) {
    throw new ModelError(
      `model ${card.name}: outputs of the card [${missing.map((o) => o.name).join(", ")}] are not among the model's outputs [${session.outputNames.join(", ")}]`,
    );
  }
  return { inputName, renamed };
}

function wrapSession(session: ort.InferenceSession, card: ModelCard): ModelSession {
  const { inputName, renamed } = matchCard(session, card);
  const meta = session.inputMetadata.find((m) => m.name === inputName);
  const batchDim = meta?.isTensor ? meta.shape[0] : undefined;
  const batchable = typeof batchDim === "string" || (typeof batchDim === "number" && batchDim < 0);
  const nameMap = new Map(
    card.outputs.map((o) => [o.name, renamed ? (session.outputNames[0] as string) : o.name]),
  );
  return {
    inputName,
    outputNames: card.outputs.map((o) => o.name),
    batchable,
    async run(input, dims, only) {
      const feeds = { [inputName]: new ort.Tensor("float32", input, dims as number[]) };
      const wanted = only ? card.outputs.filter((o) => only.includes(o.name)) : card.outputs;
      const res = await session.run(
        feeds,
        wanted.map((o) => nameMap.get(o.name) as string),
      );
      const out: Record<string, TensorOut> = {};
      for (const o of wanted) {
        const t = res[nameMap.get(o.name) as string];
        if (!t) throw new ModelError(`model ${card.name}: no output '${o.name}'`);
        if (t.type !== "float32")
          throw new ModelError(`model ${card.name}: output '${o.name}' is ${t.type}, expected float32`);
        out[o.name] = { data: t.data as Float32Array, dims: t.dims };
      }
      return out;
    },
    release: () => session.release(),
  };
}

/** Warm-up, and the check that the outputs have the shapes the card promises. */
async function warmUp(wrapped: ModelSession, card: ModelCard): Promise<void> {
  const { width, height } = card.input;
  const nhwc = card.input.layout === "NHWC";
  const dims = nhwc ? [1, height, width, 3] : [1, 3, height, width];
  let warm: Record<string, TensorOut>;
  try {
    warm = await wrapped.run(new Float32Array(3 * width * height).fill(0.5), dims);
  } catch (err) {
    throw new ModelError(`model ${card.name}: warm-up run failed: ${(err as Error).message.split("\n")[0]}`);
  }
  for (const o of card.outputs) {
    const got = warm[o.name]?.dims ?? [];
    const ok =
      got.length === o.shape.length &&
      o.shape.every((d, i) => typeof d !== "number" || d < 0 || d === got[i]);
    if (!ok) {
      throw new ModelError(
        `model ${card.name}: output '${o.name}' has shape [${got.join(", ")}], its card says [${o.shape.join(", ")}]`,
      );
    }
  }
}

export async function openSession(
  file: string,
  card: ModelCard,
  provider: ExecutionProvider = "cpu",
): Promise<ModelSession> {
  const bytes = await readModelFile(file, card);
  const session = await createSession(bytes, file, card, provider);
  const wrapped = wrapSession(session, card);
  await warmUp(wrapped, card);
  return wrapped;
}
