/**
 * The one mapper from an alert row to what leaves the API: `alertFields` turns the row into the fields
 * of its view; the view adds the links and buttons of one viewer, and the event payload is a subset of
 * the same fields (enough for a console to show the alert without asking).
 */
import type { AlertAction, AlertView } from "@mingfang/core";
import type { AlertRecord } from "./alert.repository.js";

/** The view of an alert without what depends on who looks (evidence and frame links, actions). */
export type AlertFields = Omit<AlertView, "hasEvidence" | "evidenceUrl" | "frameUrl" | "actions">;

function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}
function isoReq(d: Date | string): string {
  return new Date(d).toISOString();
}

export function alertFields(r: AlertRecord): AlertFields {
  return {
    id: r.id,
    cameraId: r.camera_id,
    cameraName: r.camera_name,
    workshopId: r.workshop_id,
    workshopName: r.workshop_name,
    stationId: r.station_id,
    type: r.type,
    area: r.area,
    grade: r.grade,
    status: r.status as AlertView["status"],
    confidence: r.confidence,
    boxes: (typeof r.boxes === "string" ? JSON.parse(r.boxes) : r.boxes) as AlertView["boxes"],
    model: r.model,
    modelVersion: r.model_version ?? null,
    zone: r.zone,
    capturedAt: isoReq(r.captured_at),
    createdAt: isoReq(r.created_at),
    updatedAt: isoReq(r.updated_at),
    repeatCount: r.repeat_count,
    lastSeenAt: iso(r.last_seen_at),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: iso(r.acknowledged_at),
    ackNote: r.ack_note,
    escalationDueAt: iso(r.escalation_due_at),
    escalatedAt: iso(r.escalated_at),
    closedBy: r.closed_by,
    closedAt: iso(r.closed_at),
    closeNote: r.close_note,
    caseId: r.case_id,
  };
}

/** The signed links of an alert's files: each null when the alert has no such file. */
export interface AlertMediaUrls {
  evidenceUrl: string | null;
  frameUrl: string | null;
}

/** The alert as one viewer sees it, with its signed links and the actions that viewer may take. */
export function alertView(r: AlertRecord, urls: AlertMediaUrls, actions: AlertAction[]): AlertView {
  return { ...alertFields(r), hasEvidence: r.evidence_path !== null, ...urls, actions };
}

/** The event payload of an alert: enough for a console to show it without asking. */
export function alertEventPayload(r: AlertRecord): Record<string, unknown> {
  const v = alertFields(r);
  return {
    id: v.id,
    cameraId: v.cameraId,
    cameraName: v.cameraName,
    workshopId: v.workshopId,
    workshopName: v.workshopName,
    stationId: v.stationId,
    type: v.type,
    area: v.area,
    grade: v.grade,
    status: v.status,
    confidence: v.confidence,
    capturedAt: v.capturedAt,
    createdAt: v.createdAt,
    repeatCount: v.repeatCount,
    escalatedAt: v.escalatedAt,
    acknowledgedAt: v.acknowledgedAt,
    caseId: v.caseId,
  };
}
