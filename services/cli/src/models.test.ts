/**
 * `mingfang models retrain|rollback` end to end, with the real training stack (Debian python3-torch,
 * python3-onnx, python3-opencv: deploy/setup.mjs `test`): a small feedback export built by the API's own
 * export code (buildYoloDataset + feedbackDatasetTar) from vtest.avi frames — confirmed no_hat alerts on
 * real bare heads, false positives on the static objects CenterNet takes for persons — is fine-tuned on
 * with the hat classifier's base set (a subset for speed; both held-out sets whole), measured and
 * installed; the same export with its verdicts swapped (an officer clicking the wrong button every time)
 * plus a learning rate that wrecks the weights is measured worse and refused; rollback restores.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { feedbackDatasetTar } from "@mingfang/api";
import { buildYoloDataset, type FeedbackAlert, splitOf } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMMITTED_MODELS_DIR,
  currentModelDir,
  retrainChecks,
  retrainModel,
  rollbackModel,
} from "./models.js";

const PYTHON = "/usr/bin/python3";
const ROOT = path.dirname(COMMITTED_MODELS_DIR);

interface FixtureAlert {
  frame: string;
  verdict: "confirmed" | "false_positive";
  head: { x: number; y: number; w: number; h: number };
  person: { x: number; y: number; w: number; h: number };
}

/** An alert id on the wanted side of the export's split (about 1 in 10 land in val). */
function idIn(split: "train" | "val"): string {
  for (;;) {
    const id = randomUUID();
    if (splitOf(id) === split) return id;
  }
}

/** The feedback export of these alerts, as GET /api/feedback/dataset.tar.gz builds it. */
async function exportOf(fixture: string, alerts: FixtureAlert[], swap: boolean): Promise<Buffer> {
  const frameOf = new Map<string, string>();
  const held = { confirmed: 0, false_positive: 0 };
  const feedback: FeedbackAlert[] = alerts.map((a, i) => {
    // a few of each verdict in the hold-out, the rest trained on
    const id = held[a.verdict]++ < 3 ? idIn("val") : idIn("train");
    frameOf.set(id, a.frame);
    const flipped = swap ? (a.verdict === "confirmed" ? "false_positive" : "confirmed") : a.verdict;
    return {
      id,
      type: "no_hat",
      verdict: flipped,
      boxes: [
        { ...a.head, label: "no_hat", score: 0.8 },
        { ...a.person, label: "person", score: 0.6 },
      ],
      capturedAt: new Date(Date.UTC(2026, 11, 1, 8, 0, i)).toISOString(),
      cameraId: 1,
      model: "person+headcover",
      modelVersion: "centernet@1+hat-classifier@1",
    };
  });
  const ds = buildYoloDataset(feedback);
  const parts: Buffer[] = [];
  for await (const b of feedbackDatasetTar(ds, async (id) => ({
    bytes: readFileSync(path.join(fixture, frameOf.get(id)!)),
    source: "frame",
  })))
    parts.push(b);
  return gzipSync(Buffer.concat(parts));
}

describe("mingfang models retrain / rollback (no_hat)", () => {
  let dir: string;
  let installed: string;
  let alerts: FixtureAlert[];
  const log: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mingfang-retrain-"));
    installed = path.join(dir, "models");
    // The head crops of vtest.avi the hat classifier's base set is made of, made once where retrain keeps
    // them (retrain would make them itself); the feedback frames come from the same export.
    const cache = path.join(installed, ".retrain", "cache");
    mkdirSync(cache, { recursive: true });
    const heads = path.join(cache, "vtest-heads-120.bin");
    const mp = spawnSync(
      "node",
      [path.join(ROOT, "models/tools/measure-people.mjs"), "--frames", "120", "--export-heads", heads],
      { encoding: "utf8" },
    );
    expect(mp.status, mp.stderr).toBe(0);
    const fixture = path.join(dir, "fixture");
    const fx = spawnSync(
      PYTHON,
      [path.join(ROOT, "models/tools/retrain_fixture.py"), "--heads", heads, "--out", fixture],
      { encoding: "utf8" },
    );
    expect(fx.status, fx.stderr).toBe(0);
    alerts = JSON.parse(readFileSync(path.join(fixture, "alerts.json"), "utf8")) as FixtureAlert[];
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("maps checks to classifiers from data", () => {
    const table = retrainChecks();
    expect(table.no_hat?.model).toBe("hat-classifier");
    expect(table.no_gloves?.model).toBe("glove-classifier");
    expect(currentModelDir(table.no_hat!, path.join(tmpdir(), "none"), COMMITTED_MODELS_DIR)).toBe(
      path.join(COMMITTED_MODELS_DIR, "hat-classifier"),
    );
  });

  it("fine-tunes on the feedback, installs a model not worse on either held-out set, bumps its version", async () => {
    const file = path.join(dir, "feedback.tar.gz");
    writeFileSync(file, await exportOf(path.join(dir, "fixture"), alerts, false));
    const r = await retrainModel({
      check: "no_hat",
      installedDir: installed,
      feedback: file,
      epochs: 2,
      baseLimit: 600,
      progress: (l) => log.push(l),
    });
    const report = r.report as {
      measured: Record<string, { n: number; old: { accuracy: number }; new: { accuracy: number } }>;
      feedback: { counts: { images: number; confirmed: number; falsePositive: number }; trainCrops: number };
    };
    expect(report.feedback.counts).toMatchObject({ images: alerts.length, confirmed: 24, falsePositive: 12 });
    expect(report.measured.baseHeldOut!.n).toBeGreaterThan(500);
    expect(report.measured.feedbackHoldOut!.n).toBe(6);
    expect(r, log.join("\n")).toMatchObject({ installed: true, version: "2", from: "1" });
    const card = JSON.parse(readFileSync(path.join(installed, "hat-classifier", "card.json"), "utf8"));
    expect(card.version).toBe("2");
    expect(existsSync(path.join(installed, "hat-classifier", "hat-classifier.onnx"))).toBe(true);
    expect(log.some((l) => l.includes("epoch 2/2"))).toBe(true);
    // What the analytics worker will load: ONNX Runtime opens it, its card matches, its version is 2.
    const { loadModel } = await import("@mingfang/analytics");
    const m = await loadModel("headcover", { path: "hat-classifier/hat-classifier.onnx" }, installed);
    try {
      expect(m.kind).toBe("classifier");
      expect(m.card.version).toBe("2");
    } finally {
      await m.release();
    }
  }, 240_000);

  it("refuses a worse model and keeps the installed one", async () => {
    const file = path.join(dir, "feedback-swapped.tar.gz");
    writeFileSync(file, await exportOf(path.join(dir, "fixture"), alerts, true));
    const r = await retrainModel({
      check: "no_hat",
      installedDir: installed,
      feedback: file,
      epochs: 1,
      lr: 0.5,
      baseLimit: 300,
    });
    expect(r.installed).toBe(false);
    expect(r.reason).toMatch(/baseHeldOut: /);
    expect(r.from).toBe("2");
    const card = JSON.parse(readFileSync(path.join(installed, "hat-classifier", "card.json"), "utf8"));
    expect(card.version).toBe("2");
    expect(existsSync(path.join(r.dir, "retrain.json"))).toBe(true);
  }, 240_000);

  it("rolls back to the previous version, then reports nothing left to roll back", () => {
    const r = rollbackModel({ check: "no_hat", installedDir: installed });
    expect(r).toMatchObject({ removed: "2", active: "1" });
    expect(r.activeDir).toBe(path.join(COMMITTED_MODELS_DIR, "hat-classifier"));
    expect(existsSync(path.join(installed, "hat-classifier"))).toBe(false);
    expect(() => rollbackModel({ check: "no_hat", installedDir: installed })).toThrow(/nothing to roll back/);
  });
});

describe("mingfang models rollback with an older install kept", () => {
  it("puts <model>.previous back, then the committed model", () => {
    const installed = mkdtempSync(path.join(tmpdir(), "mingfang-rollback-"));
    try {
      for (const [dir, version] of [
        ["hat-classifier", "3"],
        ["hat-classifier.previous", "2"],
      ] as const) {
        mkdirSync(path.join(installed, dir));
        writeFileSync(
          path.join(installed, dir, "card.json"),
          JSON.stringify({ name: "hat-classifier", version }),
        );
      }
      expect(rollbackModel({ check: "no_hat", installedDir: installed })).toMatchObject({
        removed: "3",
        active: "2",
        activeDir: path.join(installed, "hat-classifier"),
      });
      expect(existsSync(path.join(installed, "hat-classifier.previous"))).toBe(false);
      expect(rollbackModel({ check: "no_hat", installedDir: installed })).toMatchObject({
        removed: "2",
        active: "1",
      });
      expect(() => rollbackModel({ check: "no_such_check", installedDir: installed })).toThrow(
        /no classifier to retrain/,
      );
    } finally {
      rmSync(installed, { recursive: true, force: true });
    }
  });
});
