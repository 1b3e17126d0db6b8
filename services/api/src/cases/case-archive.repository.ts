/**
 * What a case's archive reads beyond the case itself (which `CaseRepository` gives): its alerts with their
 * camera, evidence and clip rows. One query; the case's timeline and photos come from `CaseRepository`.
 */
import type { Exec } from "./case.repository.js";

export class CaseArchiveRepository {
  /** The case's alerts in capture order, each with its camera and its clip row (null: none). */
  alerts(db: Exec, caseId: string) {
    return db
      .selectFrom("case_alerts as ca")
      .innerJoin("alerts as a", "a.id", "ca.alert_id")
      .innerJoin("cameras as cam", "cam.id", "a.camera_id")
      .leftJoin("alert_clips as cl", "cl.alert_id", "a.id")
      .select([
        "a.id",
        "a.type",
        "a.grade",
        "a.status",
        "a.confidence",
        "a.captured_at",
        "a.evidence_path",
        "a.evidence_sha256",
        "a.frame_path",
        "a.frame_sha256",
        "a.evidence_purged_at",
        "a.ack_note",
        "a.close_note",
        "cam.name as camera_name",
        "cam.area as camera_area",
        "cl.status as clip_status",
        "cl.path as clip_path",
        "cl.sha256 as clip_sha256",
        "cl.started_at as clip_from",
        "cl.ended_at as clip_to",
        "cl.error as clip_error",
        "cl.purged_at as clip_purged_at",
      ])
      .where("ca.case_id", "=", caseId)
      .orderBy("a.captured_at")
      .orderBy("a.id")
      .execute();
  }
}

export type ArchiveAlertRow = Awaited<ReturnType<CaseArchiveRepository["alerts"]>>[number];
