/**
 * The YOLO export on the real app: reviewed alerts (resolved, false positive, a case closed as a false
 * alarm) come out as images and labels, read back by the system's tar; unreviewed ones stay out; only
 * the bureau may export.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  camerasOfTwoStations,
  fakeFrame,
  fakeJpeg,
  makeAlert,
  type StationCamera,
} from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

let t: TestApp;
let dataDir: string;
let A: StationCamera;
const cookies: Record<string, string> = {};
const ids = { resolved: "", fp: "", falseAlarm: "", open: "", tampered: "" };

const post = (user: string, url: string, payload: object) =>
  t.app.inject({ method: "POST", url, headers: { cookie: cookies[user]! }, payload });

async function intake(
  boxes: { x: number; y: number; w: number; h: number; label: string; score: number }[],
  frame = false,
) {
  const job = await makeAlert(t.redis, A.cameraId, {
    boxes,
    frame,
    modelVersion: "centernet@1+hat-classifier@1",
  });
  expect((await t.app.alertService.intake(job)).outcome).toBe("created");
  return job.id;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-feedback-"));
  t = await buildTestApp({ env: { DATA_DIR: dataDir }, alerts: { workers: false, cooldownMinutes: 0 } });
  [A] = await camerasOfTwoStations(t.db);
  const duty = `${A.stationCode}.duty`;
  for (const u of [duty, "admin"]) cookies[u] = await t.login(u);
  // This one comes with the undrawn frame (as the analytics worker sends it); the others are older alerts.
  ids.resolved = await intake([{ x: 0.1, y: 0.2, w: 0.2, h: 0.4, label: "no_hat", score: 0.9 }], true);
  ids.fp = await intake([{ x: 0.5, y: 0.5, w: 0.1, h: 0.1, label: "no_gloves", score: 0.6 }]);
  ids.falseAlarm = await intake([{ x: 0.3, y: 0.3, w: 0.1, h: 0.1, label: "no_hat", score: 0.55 }]);
  ids.open = await intake([{ x: 0.3, y: 0.3, w: 0.1, h: 0.1, label: "no_hat", score: 0.55 }]);
  ids.tampered = await intake([{ x: 0.3, y: 0.3, w: 0.1, h: 0.1, label: "no_hat", score: 0.55 }]);
  for (const id of [ids.resolved, ids.fp, ids.tampered])
    expect((await post(duty, `/api/alerts/${id}/acknowledge`, { note: "复核" })).statusCode).toBe(200);
  expect((await post(duty, `/api/alerts/${ids.resolved}/resolve`, { note: "已现场纠正" })).statusCode).toBe(
    200,
  );
  expect((await post(duty, `/api/alerts/${ids.tampered}/resolve`, { note: "已现场纠正" })).statusCode).toBe(
    200,
  );
  expect((await post(duty, `/api/alerts/${ids.fp}/false-positive`, { note: "反光" })).statusCode).toBe(200);
  const c = await post(duty, "/api/cases", { alertIds: [ids.falseAlarm] });
  expect(c.statusCode).toBe(201);
  const closed = await post(duty, `/api/cases/${c.json().id}/transitions`, {
    transition: "close",
    outcome: "false_alarm",
  });
  expect(closed.statusCode).toBe(200);
  // One stored frame no longer matches its SHA-256.
  const row = await t.db
    .selectFrom("alerts")
    .select("evidence_path")
    .where("id", "=", ids.tampered)
    .executeTakeFirstOrThrow();
  writeFileSync(path.join(dataDir, "media", row.evidence_path!), Buffer.from("garbage"));
});

afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the YOLO feedback export", () => {
  it("gives the reviewed frames with labels; false positives as background; tar reads it", async () => {
    const r = await t.app.inject({
      method: "GET",
      url: "/api/feedback/dataset.tar.gz",
      headers: { cookie: cookies.admin! },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers["content-type"]).toBe("application/gzip");
    const out = mkdtempSync(path.join(tmpdir(), "mingfang-ds-"));
    try {
      writeFileSync(path.join(out, "ds.tar.gz"), r.rawPayload);
      execFileSync("tar", ["-xzf", "ds.tar.gz"], { cwd: out });
      const root = path.join(out, "mingfang-dataset");
      const yaml = readFileSync(path.join(root, "data.yaml"), "utf8");
      expect(yaml).toContain("train: images/train");
      expect(yaml).toContain('names:\n  0: "no_hat"\n');
      const find = (dir: "images" | "labels", id: string, ext: string) =>
        ["train", "val"].map((s) => path.join(root, dir, s, `${id}.${ext}`)).find((p) => existsSync(p));
      // Resolved: its undrawn frame (the very bytes stored, not the evidence with boxes drawn) and its box.
      expect(readFileSync(find("images", ids.resolved, "jpg")!).equals(fakeFrame(ids.resolved))).toBe(true);
      expect(readFileSync(find("labels", ids.resolved, "txt")!, "utf8")).toBe(
        "0 0.200000 0.400000 0.200000 0.400000\n",
      );
      // False positive and the case closed as a false alarm: kept frames, empty labels.
      for (const id of [ids.fp, ids.falseAlarm]) {
        expect(find("images", id, "jpg")).toBeDefined();
        expect(readFileSync(find("labels", id, "txt")!, "utf8")).toBe("");
      }
      // Not reviewed: not there. Tampered: left out and named.
      expect(find("images", ids.open, "jpg")).toBeUndefined();
      expect(find("images", ids.tampered, "jpg")).toBeUndefined();
      expect(find("labels", ids.tampered, "txt")).toBeUndefined();
      const manifest = JSON.parse(readFileSync(path.join(root, "manifest.json"), "utf8"));
      expect(manifest.images.map((i: { alertId: string }) => i.alertId).sort()).toEqual(
        [ids.resolved, ids.fp, ids.falseAlarm].sort(),
      );
      expect(manifest.images.find((i: { alertId: string }) => i.alertId === ids.fp).verdict).toBe(
        "false_positive",
      );
      expect(manifest.images.find((i: { alertId: string }) => i.alertId === ids.fp).boxes[0].label).toBe(
        "no_gloves",
      );
      expect(manifest.skipped.map((s: { alertId: string }) => s.alertId)).toEqual([ids.tampered]);
      // each image names the versions of the models that raised it (what a retraining compares against)
      expect(
        manifest.images.every(
          (i: { modelVersion: string }) => i.modelVersion === "centernet@1+hat-classifier@1",
        ),
      ).toBe(true);
      const source = (id: string) =>
        manifest.images.find((i: { alertId: string }) => i.alertId === id).source as string;
      expect(source(ids.resolved)).toBe("frame");
      // An alert without an undrawn frame falls back to its evidence, and the manifest says so.
      expect(source(ids.fp)).toBe("evidence_drawn");
      expect(readFileSync(find("images", ids.fp, "jpg")!).equals(fakeJpeg(ids.fp))).toBe(true);
      const imgs = ["train", "val"].flatMap((s) =>
        existsSync(path.join(root, "images", s)) ? readdirSync(path.join(root, "images", s)) : [],
      );
      expect(imgs).toHaveLength(3);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    const audit = await t.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "feedback.export")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("is for the bureau only", async () => {
    const r = await t.app.inject({
      method: "GET",
      url: "/api/feedback/dataset.tar.gz",
      headers: { cookie: cookies[`${A.stationCode}.duty`]! },
    });
    expect(r.statusCode).toBe(403);
  });
});
