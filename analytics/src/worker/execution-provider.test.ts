/**
 * MODEL_EXECUTION_PROVIDER: onnxruntime-node here has the CPU provider only, so cuda and tensorrt fall
 * back to it with one warning, and the models load and run.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAnalyticsConfig } from "../config.schema.js";
import { createThreadPool } from "./analyser.js";
import { resolveExecutionProvider } from "./model-set.js";

const MODELS = fileURLToPath(new URL("../../../models", import.meta.url));
const models = { headcover: { path: "hat-classifier/hat-classifier.onnx" } };

function recorder() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    warn: (obj: Record<string, unknown>, msg: string) => void lines.push({ level: "warn", obj, msg }),
    info: (obj: Record<string, unknown>, msg: string) => void lines.push({ level: "info", obj, msg }),
  } as never as { lines: typeof lines; warn: () => void; info: () => void };
}

describe("execution provider", () => {
  it.each(["cuda", "tensorrt"] as const)(
    "%s, unavailable here: CPU, one warning line, the models run",
    async (p) => {
      const log = recorder();
      const got = await resolveExecutionProvider({ modelsDir: MODELS, models, executionProvider: p }, log);
      expect(got).toBe("cpu");
      expect(log.lines).toHaveLength(1);
      expect(log.lines[0]).toMatchObject({
        level: "warn",
        msg: `MODEL_EXECUTION_PROVIDER=${p} is not available here: the models run on the CPU`,
        obj: { executionProvider: p, reason: expect.stringMatching(/\S/) },
      });
      const pool = await createThreadPool({ modelsDir: MODELS, models, executionProvider: got }, 1);
      try {
        expect(pool.caps.headcover).toBe(true);
        expect(pool.caps.broken).toEqual({});
      } finally {
        await pool.close();
      }
    },
    30_000,
  );

  it("cpu: no probe, no log line; an unknown provider is a configuration error", async () => {
    const log = recorder();
    expect(await resolveExecutionProvider({ modelsDir: MODELS, models }, log)).toBe("cpu");
    expect(log.lines).toEqual([]);
    expect(parseAnalyticsConfig({}).executionProvider).toBe("cpu");
    expect(() => parseAnalyticsConfig({ executionProvider: "rocm" })).toThrow(/executionProvider/);
  });
});
