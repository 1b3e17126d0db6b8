/** The pure steps of the alert service and the one row → view mapper (no database, no Redis). */
import { randomUUID } from "node:crypto";
import type { AlertJob, Principal } from "@mingfang/core";
import { describe, expect, it } from "vitest";
import type { AlertRecord, CameraContext } from "./alert.repository.js";
import {
  alertActionsFor,
  alertTransitionPatch,
  checkAlertJob,
  type IntakeStep,
  newAlertRecord,
} from "./alert.service.js";
import { alertEventPayload, alertFields, alertView } from "./alert.views.js";
import { loadAlertMedia } from "./alert-media.js";

const SHA = "a".repeat(64);

function job(over: Partial<AlertJob> = {}): AlertJob {
  return {
    id: randomUUID(),
    cameraId: 3,
    type: "no_hat",
    confidence: 0.9,
    boxes: [],
    capturedAt: "2026-12-07T06:00:00.000Z",
    ...over,
  };
}

const cam: CameraContext = {
  id: 3,
  name: "灶台",
  area: "kitchen",
  workshop_id: 7,
  workshop_name: "一车间",
  station_id: 2,
  working_hours: null,
  enabled: true,
};

function step(j: AlertJob = job()): IntakeStep {
  return {
    job: j,
    cam,
    capturedAt: new Date(j.capturedAt),
    now: new Date("2026-12-07T06:00:05.000Z"),
    evidence: { path: "2/2026/12/07/x.jpg", sha: SHA },
    frame: { path: null, sha: null },
  };
}

describe("checkAlertJob", () => {
  it("accepts a well-formed job", () => {
    const j = job();
    expect(checkAlertJob(j)).toEqual({ ok: true, job: j });
  });

  it("rejects, naming the job when it has an id, what is wrong", () => {
    const reason = (data: unknown) => {
      const r = checkAlertJob(data);
      return r.ok ? null : r.outcome;
    };
    expect(reason({ id: "x" })).toMatchObject({ outcome: "rejected", alertId: "x" });
    expect(reason({ id: "x" })?.reason).toMatch(/^invalid payload: /);
    expect(reason(null)).toMatchObject({ outcome: "rejected", alertId: null });
    expect(reason(job({ type: "No-Hat" }))?.reason).toBe("bad type 'No-Hat'");
  });
});

describe("loadAlertMedia", () => {
  const EV = "mingfang:blob:evidence:00000000-0000-4000-8000-000000000001";
  const FR = "mingfang:blob:alert-frame:00000000-0000-4000-8000-000000000002";
  const blobs = (entries: [string, Buffer][]) => {
    const m = new Map(entries);
    return { get: async (key: string) => m.get(key) ?? null };
  };
  const reason = async (j: AlertJob, entries: [string, Buffer][] = []) => {
    const r = await loadAlertMedia(j, blobs(entries));
    return "reason" in r ? r.reason : null;
  };

  it("reads the evidence and the frame the job refers to, or none", async () => {
    const j = job({ evidenceKey: EV, evidenceSha256: SHA });
    const r = await loadAlertMedia(j, blobs([[EV, Buffer.from("evidence")]]));
    expect("media" in r && r.media.evidence?.toString()).toBe("evidence");
    expect("media" in r && r.media.frame).toBeUndefined();
  });

  it("rejects an image without its SHA-256, a missing blob and one over 8 MB", async () => {
    expect(await reason(job({ evidenceKey: EV }))).toBe("evidence without its SHA-256");
    expect(await reason(job({ frameKey: FR }))).toBe("frame without its SHA-256");
    expect(await reason(job({ evidenceKey: EV, evidenceSha256: SHA }))).toMatch(
      /^evidence: blob .* expired or missing$/,
    );
    const big = Buffer.alloc(8 * 1024 * 1024 + 1);
    expect(await reason(job({ evidenceKey: EV, evidenceSha256: SHA }), [[EV, big]])).toBe(
      "evidence larger than 8 MB",
    );
    expect(await reason(job({ frameKey: FR, frameSha256: SHA }), [[FR, big]])).toBe("frame larger than 8 MB");
  });
});

describe("newAlertRecord", () => {
  it("is a new, unacknowledged alert of the camera's place, with its evidence and deadline", () => {
    const s = step(job({ model: "yolo", zone: "z1" }));
    const due = new Date("2026-12-07T06:10:00.000Z");
    const r = newAlertRecord(s, 2, due);
    expect(r).toMatchObject({
      id: s.job.id,
      camera_id: 3,
      camera_name: "灶台",
      workshop_id: 7,
      workshop_name: "一车间",
      station_id: 2,
      area: "kitchen",
      grade: 2,
      status: "new",
      model: "yolo",
      zone: "z1",
      repeat_count: 0,
      escalation_due_at: due,
      evidence_path: "2/2026/12/07/x.jpg",
      evidence_sha256: SHA,
      case_id: null,
      acknowledged_at: null,
    });
    expect(r.captured_at.toISOString()).toBe(s.job.capturedAt);
    expect(r.created_at).toBe(s.now);
    expect(newAlertRecord(step(), 1, due)).toMatchObject({ model: null, zone: null });
  });
});

describe("alertTransitionPatch", () => {
  const now = new Date("2026-12-07T07:00:00.000Z");
  it("acknowledge keeps the note as the ack note and does not close", () => {
    expect(
      alertTransitionPatch({ to: "acknowledged", acknowledges: false }, "acknowledge", 5, "看了", now),
    ).toEqual({
      status: "acknowledged",
      updated_at: now,
      acknowledged_by: 5,
      acknowledged_at: now,
      ack_note: "看了",
    });
  });
  it("closing records who closed it with the note; a transition that acknowledges also sets that", () => {
    expect(alertTransitionPatch({ to: "resolved", acknowledges: false }, "resolve", 5, null, now)).toEqual({
      status: "resolved",
      updated_at: now,
      closed_by: 5,
      closed_at: now,
      close_note: null,
    });
    expect(
      alertTransitionPatch({ to: "case_opened", acknowledges: true }, "open_case", null, null, now),
    ).toEqual({
      status: "case_opened",
      updated_at: now,
      acknowledged_by: null,
      acknowledged_at: now,
      closed_by: null,
      closed_at: now,
      close_note: null,
    });
  });
});

describe("alertActionsFor", () => {
  const user = (role: Principal["role"], stationId: number | null): Principal => ({
    id: 1,
    username: "u",
    role,
    stationId,
  });
  it("lists what the viewer may do on this alert (all without a viewer)", () => {
    const r = { status: "new", station_id: 2 };
    expect(alertActionsFor(r)).toEqual(["acknowledge", "open_case"]);
    expect(alertActionsFor(r, user("duty_officer", 2))).toEqual(["acknowledge", "open_case"]);
    expect(alertActionsFor(r, user("station_staff", 2))).toEqual(["open_case"]);
    expect(alertActionsFor(r, user("duty_officer", 9))).toEqual([]);
  });
});

describe("the one alert mapper", () => {
  const rec: AlertRecord = {
    ...newAlertRecord(
      step(job({ boxes: [{ x: 1, y: 2, w: 3, h: 4, label: "no_hat", score: 0.9 }] as never })),
      1,
      new Date(0),
    ),
    case_id: "c1",
  };

  it("gives the view and the event payload the same fields, the payload a subset", () => {
    const view = alertView(
      rec,
      { evidenceUrl: "/api/alerts/x/evidence?token=t", frameUrl: "/api/alerts/x/frame?token=t" },
      ["acknowledge"],
    );
    expect(view).toMatchObject({ ...alertFields(rec), hasEvidence: true, actions: ["acknowledge"] });
    const payload = alertEventPayload(rec);
    for (const [k, v] of Object.entries(payload)) expect(view[k as keyof typeof view], k).toEqual(v);
    expect(Object.keys(payload)).toEqual([
      "id",
      "cameraId",
      "cameraName",
      "workshopId",
      "workshopName",
      "stationId",
      "type",
      "area",
      "grade",
      "status",
      "confidence",
      "capturedAt",
      "createdAt",
      "repeatCount",
      "escalatedAt",
      "acknowledgedAt",
      "caseId",
    ]);
    expect(payload.capturedAt).toBe("2026-12-07T06:00:00.000Z");
    expect(payload.escalatedAt).toBeNull();
  });

  it("parses boxes stored as JSON text, and marks an alert without evidence", () => {
    const text = { ...rec, boxes: JSON.stringify(rec.boxes), evidence_path: null };
    expect(alertFields(text).boxes).toEqual(rec.boxes);
    expect(alertView(text, { evidenceUrl: null, frameUrl: null }, []).hasEvidence).toBe(false);
  });
});
