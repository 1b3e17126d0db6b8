/** What the training-data export reads: the reviewed alerts of a period, with the files to ship. */
import type { Db } from "@mingfang/db";
import { sql } from "kysely";

/** A reviewed alert: its verdict's inputs (status, its case) and its files. */
export interface ReviewedAlertRow {
  id: string;
  type: string;
  status: string;
  boxes: unknown;
  captured_at: Date;
  camera_id: number;
  evidence_path: string | null;
  evidence_sha256: string | null;
  frame_path: string | null;
  frame_sha256: string | null;
  case_state: string | null;
  case_outcome: string | null;
  model: string | null;
  model_version: string | null;
}

export class FeedbackRepository {
  constructor(private readonly db: Db) {}

  /**
   * Alerts captured in [from, to) with an evidence frame that a person has judged: marked a false
   * positive, resolved, or in a closed case. In id order.
   */
  reviewedAlerts(from: Date, to: Date): Promise<ReviewedAlertRow[]> {
    return this.db
      .selectFrom("alerts as a")
      .leftJoin("case_alerts as ca", "ca.alert_id", "a.id")
      .leftJoin("cases as c", "c.id", "ca.case_id")
      .select([
        "a.id",
        "a.type",
        "a.status",
        "a.boxes",
        "a.captured_at",
        "a.camera_id",
        "a.evidence_path",
        "a.evidence_sha256",
        "a.frame_path",
        "a.frame_sha256",
        "c.state as case_state",
        "c.outcome as case_outcome",
        "a.model_version",
      ])
      .select(sql<string | null>`a.model`.as("model"))
      .where("a.evidence_path", "is not", null)
      .where("a.captured_at", ">=", from)
      .where("a.captured_at", "<", to)
      .where((eb) =>
        eb.or([eb("a.status", "in", ["false_positive", "resolved"]), eb("c.state", "=", "closed")]),
      )
      .orderBy("a.id")
      .execute() as Promise<ReviewedAlertRow[]>;
  }
}
