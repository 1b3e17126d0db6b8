/**
 * An inference thread: loads the models once (sessions warmed up), then analyses frames posted to it.
 * ONNX Runtime's `run` and sharp's decoding stay off the main thread, which serves HTTP and BullMQ.
 */
import { parentPort, workerData } from "node:worker_threads";
import { analyseFrame } from "../analysis/frame.pipeline.js";
import { serialiseError } from "./analyser.js";
import { loadModelSet } from "./model-set.js";

const port = parentPort;
if (!port) throw new Error("inference.thread must run in a worker thread");

try {
  const loaded = await loadModelSet(workerData);
  port.postMessage({ type: "ready", caps: loaded.caps, missing: loaded.missing });
  port.on("message", async (msg: { type: string; id?: number; jpeg?: Uint8Array; plan?: never }) => {
    if (msg.type === "close") {
      await loaded.release();
      port.close();
      return;
    }
    try {
      const obs = await analyseFrame(msg.jpeg as Uint8Array, msg.plan as never, loaded.models);
      port.postMessage({ type: "result", id: msg.id, obs });
    } catch (err) {
      port.postMessage({ type: "result", id: msg.id, error: serialiseError(err) });
    }
  });
} catch (err) {
  port.postMessage({ type: "failed", error: serialiseError(err) });
}
