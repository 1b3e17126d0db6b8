/** The verdict of a reviewed alert for the training set (pure mapping, no database). */
import { describe, expect, it } from "vitest";
import type { ReviewedAlertRow } from "./feedback.repository.js";
import { feedbackAlert } from "./feedback.routes.js";

const row: ReviewedAlertRow = {
  id: "a1",
  type: "no_hat",
  status: "resolved",
  boxes: [{ x: 0.1, y: 0.2, w: 0.3, h: 0.4, label: "no_hat", score: 0.9 }],
  captured_at: new Date("2026-12-07T06:00:00.000Z"),
  camera_id: 3,
  evidence_path: "e.jpg",
  evidence_sha256: null,
  frame_path: null,
  frame_sha256: null,
  case_state: null,
  case_outcome: null,
  model: null,
  model_version: "centernet@1+hat-classifier@2",
};

describe("feedbackAlert", () => {
  it("is confirmed unless marked a false positive or in a case closed as a false alarm", () => {
    expect(feedbackAlert(row)).toEqual({
      id: "a1",
      type: "no_hat",
      verdict: "confirmed",
      boxes: row.boxes,
      capturedAt: "2026-12-07T06:00:00.000Z",
      cameraId: 3,
      model: null,
      modelVersion: "centernet@1+hat-classifier@2",
    });
    expect(feedbackAlert({ ...row, status: "false_positive" }).verdict).toBe("false_positive");
    expect(feedbackAlert({ ...row, status: "case_opened", case_outcome: "false_alarm" }).verdict).toBe(
      "false_positive",
    );
  });

  it("reads boxes stored as JSON text, and none as no boxes", () => {
    expect(feedbackAlert({ ...row, boxes: JSON.stringify(row.boxes) }).boxes).toEqual(row.boxes);
    expect(feedbackAlert({ ...row, boxes: null }).boxes).toEqual([]);
  });
});
