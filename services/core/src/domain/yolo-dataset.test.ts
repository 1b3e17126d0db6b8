import { describe, expect, it } from "vitest";
import { buildYoloDataset, type FeedbackAlert, splitOf, yoloLine } from "./yolo-dataset.js";

const alert = (
  id: string,
  verdict: FeedbackAlert["verdict"],
  boxes: FeedbackAlert["boxes"],
): FeedbackAlert => ({
  id,
  type: "no_hat",
  verdict,
  boxes,
  capturedAt: "2026-06-01T08:00:00.000Z",
  cameraId: 1,
  model: "m",
});

describe("YOLO dataset", () => {
  it("writes a box as class cx cy w h, clamped to the frame", () => {
    expect(yoloLine(2, { x: 0.1, y: 0.2, w: 0.4, h: 0.2, label: "x" })).toBe(
      "2 0.300000 0.300000 0.400000 0.200000",
    );
    expect(yoloLine(0, { x: 0.9, y: 0.9, w: 0.3, h: 0.3, label: "x" })).toBe(
      "0 0.950000 0.950000 0.100000 0.100000",
    );
    expect(yoloLine(0, { x: 1.2, y: 0.5, w: 0.1, h: 0.1, label: "x" })).toBeNull();
  });

  it("splits by a stable hash of the alert id, about 10 % validation", () => {
    const ids = Array.from(
      { length: 2000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    const val = ids.filter((id) => splitOf(id) === "val").length;
    expect(val).toBeGreaterThan(140);
    expect(val).toBeLessThan(260);
    expect(ids.map((id) => splitOf(id))).toEqual(ids.map((id) => splitOf(id)));
  });

  it("labels confirmed alerts, makes false positives background images, and names the classes", () => {
    const ds = buildYoloDataset([
      alert("b", "confirmed", [
        { x: 0, y: 0, w: 0.5, h: 0.5, label: "no_hat" },
        { x: 0.5, y: 0.5, w: 0.5, h: 0.5, label: "no_gloves" },
      ]),
      alert("a", "false_positive", [{ x: 0.1, y: 0.1, w: 0.1, h: 0.1, label: "no_hat" }]),
    ]);
    expect(ds.classes).toEqual(["no_gloves", "no_hat"]);
    const yaml = ds.files.find((f) => f.path === "data.yaml")!.text!;
    expect(yaml).toContain('names:\n  0: "no_gloves"\n  1: "no_hat"\n');
    expect(yaml).toContain("train: images/train\nval: images/val");
    const label = (id: string) =>
      ds.files.find((f) => f.path.startsWith("labels/") && f.path.endsWith(`/${id}.txt`))!;
    expect(label("b").text).toBe(
      "1 0.250000 0.250000 0.500000 0.500000\n0 0.750000 0.750000 0.500000 0.500000\n",
    );
    expect(label("a").text).toBe("");
    expect(ds.files.filter((f) => f.alertId).map((f) => f.alertId)).toEqual(["a", "b"]);
    expect(ds.counts).toMatchObject({ confirmed: 1, falsePositive: 1, boxes: 2 });
    const manifest = JSON.parse(ds.files.find((f) => f.path === "manifest.json")!.text!);
    expect(manifest.images.find((i: { alertId: string }) => i.alertId === "a").boxes).toHaveLength(1);
  });

  it("has no classes when nothing is confirmed", () => {
    const ds = buildYoloDataset([alert("a", "false_positive", [])]);
    expect(ds.files[0]!.text).toContain("names: {}");
  });
});
