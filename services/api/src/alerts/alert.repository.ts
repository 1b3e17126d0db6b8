/** Alert rows: reads with their camera, workshop and case, the cooldown look-up, and state updates. */
import { type AlertListQuery, type ListScope, OPEN_ALERT_STATES } from "@mingfang/core";
import type { Database, Db } from "@mingfang/db";
import { sql, type Updateable } from "kysely";
import type { Executor } from "../events/event-bus.js";

export interface AlertRecord {
  id: string;
  camera_id: number;
  camera_name: string;
  workshop_id: number;
  workshop_name: string;
  station_id: number;
  type: string;
  area: string | null;
  grade: number;
  status: string;
  confidence: number;
  boxes: unknown;
  model: string | null;
  model_version: string | null;
  zone: string | null;
  captured_at: Date;
  created_at: Date;
  updated_at: Date;
  repeat_count: number;
  last_seen_at: Date | null;
  acknowledged_by: number | null;
  acknowledged_at: Date | null;
  ack_note: string | null;
  escalation_due_at: Date | null;
  escalated_at: Date | null;
  closed_by: number | null;
  closed_at: Date | null;
  close_note: string | null;
  evidence_path: string | null;
  evidence_sha256: string | null;
  /** The undrawn frame beside the evidence (migration 0007); null for older alerts and those without. */
  frame_path: string | null;
  frame_sha256: string | null;
  case_id: string | null;
}

export interface CameraContext {
  id: number;
  name: string;
  area: string;
  workshop_id: number;
  workshop_name: string;
  station_id: number;
  working_hours: unknown;
  enabled: boolean;
}

/** The file (evidence or undrawn frame) stored for an alert, or none. */
export interface StoredFile {
  path: string | null;
  sha: string | null;
}

/** The columns a lifecycle step changes. */
export type AlertStatePatch = Updateable<Database["alerts"]>;

export class AlertRepository {
  constructor(readonly db: Db) {}

  private base(exec: Executor) {
    return exec
      .selectFrom("alerts as a")
      .innerJoin("cameras as c", "c.id", "a.camera_id")
      .innerJoin("workshops as w", "w.id", "a.workshop_id")
      .select([
        "a.id",
        "a.camera_id",
        "c.name as camera_name",
        "a.workshop_id",
        "w.name as workshop_name",
        "a.station_id",
        "a.type",
        "a.area",
        "a.grade",
        "a.status",
        "a.confidence",
        "a.boxes",
        "a.model",
        "a.model_version",
        "a.zone",
        "a.captured_at",
        "a.created_at",
        "a.updated_at",
        "a.repeat_count",
        "a.last_seen_at",
        "a.acknowledged_by",
        "a.acknowledged_at",
        "a.ack_note",
        "a.escalation_due_at",
        "a.escalated_at",
        "a.closed_by",
        "a.closed_at",
        "a.close_note",
        "a.evidence_path",
        "a.evidence_sha256",
        "a.frame_path",
        "a.frame_sha256",
        sql<string | null>`(select ca.case_id::text from case_alerts ca where ca.alert_id = a.id limit 1)`.as(
          "case_id",
        ),
      ]);
  }

  async find(id: string, exec: Executor = this.db): Promise<AlertRecord | undefined> {
    return (await this.base(exec).where("a.id", "=", id).executeTakeFirst()) as AlertRecord | undefined;
  }

  /** Whether this detection was already taken, and how: stored as an alert, or folded into one. */
  async taken(id: string, exec: Executor = this.db): Promise<"alert" | "folded" | undefined> {
    const r = await exec.selectFrom("alerts").select("id").where("id", "=", id).executeTakeFirst();
    if (r) return "alert";
    const f = await exec
      .selectFrom("alert_folds")
      .select("job_id")
      .where("job_id", "=", id)
      .executeTakeFirst();
    return f ? "folded" : undefined;
  }

  async list(scope: ListScope, q: AlertListQuery): Promise<{ items: AlertRecord[]; total: number }> {
    if (scope.kind === "none" || scope.kind === "brigade") return { items: [], total: 0 };
    let query = this.base(this.db);
    if (scope.kind === "stations") query = query.where("a.station_id", "in", scope.ids);
    if (q.stationId !== undefined) query = query.where("a.station_id", "=", q.stationId);
    if (q.workshopId !== undefined) query = query.where("a.workshop_id", "=", q.workshopId);
    if (q.cameraId !== undefined) query = query.where("a.camera_id", "=", q.cameraId);
    if (q.status !== undefined) query = query.where("a.status", "=", q.status);
    if (q.open) query = query.where("a.status", "in", [...OPEN_ALERT_STATES]);
    if (q.type !== undefined) query = query.where("a.type", "=", q.type);
    if (q.grade !== undefined) query = query.where("a.grade", "=", q.grade);
    if (q.escalated !== undefined) query = query.where("a.escalated_at", q.escalated ? "is not" : "is", null);
    if (q.from !== undefined) query = query.where("a.created_at", ">=", new Date(q.from));
    if (q.to !== undefined) query = query.where("a.created_at", "<", new Date(q.to));
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? 50;
    const [items, total] = await Promise.all([
      query
        .orderBy("a.created_at", "desc")
        .orderBy("a.id")
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .execute(),
      query.clearSelect().select(sql<string>`count(*)`.as("n")).executeTakeFirstOrThrow(),
    ]);
    return { items: items as AlertRecord[], total: Number(total.n) };
  }

  async camera(id: number, exec: Executor = this.db): Promise<CameraContext | undefined> {
    return exec
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select([
        "c.id",
        "c.name",
        "c.area",
        "c.workshop_id",
        "w.name as workshop_name",
        "w.station_id",
        "w.working_hours",
        "c.enabled",
      ])
      .where("c.id", "=", id)
      .executeTakeFirst();
  }

  /** Serialises intakes of one camera (cooldown check, then insert) until the transaction ends. */
  async lockCamera(exec: Executor, cameraId: number): Promise<void> {
    await exec.selectFrom("cameras").select("id").where("id", "=", cameraId).forUpdate().execute();
  }

  /** The newest open alert of this camera and type created after `since`. */
  async openAlertFor(
    exec: Executor,
    cameraId: number,
    type: string,
    since: Date,
  ): Promise<{ id: string } | undefined> {
    return exec
      .selectFrom("alerts")
      .select("id")
      .where("camera_id", "=", cameraId)
      .where("type", "=", type)
      .where("status", "in", [...OPEN_ALERT_STATES])
      .where("created_at", ">=", since)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  async countRecent(exec: Executor, workshopId: number, type: string, since: Date): Promise<number> {
    const r = await exec
      .selectFrom("alerts")
      .select(sql<string>`count(*)`.as("n"))
      .where("workshop_id", "=", workshopId)
      .where("type", "=", type)
      .where("created_at", ">=", since)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Open alerts past their escalation time, not yet escalated (the sweep behind the delayed jobs). */
  async dueForEscalation(now: Date, limit = 100): Promise<{ id: string; grade: number }[]> {
    return this.db
      .selectFrom("alerts")
      .select(["id", "grade"])
      .where("status", "=", "new")
      .where("escalated_at", "is", null)
      .where("escalation_due_at", "<=", now)
      .orderBy("escalation_due_at")
      .limit(limit)
      .execute();
  }

  /** Records a detection folded into an open alert, and counts it on that alert. */
  async fold(exec: Executor, f: { jobId: string; into: string; capturedAt: Date; now: Date }): Promise<void> {
    await exec
      .insertInto("alert_folds")
      .values({ job_id: f.jobId, alert_id: f.into, captured_at: f.capturedAt })
      .execute();
    await exec
      .updateTable("alerts")
      .set((eb) => ({
        repeat_count: eb("repeat_count", "+", 1),
        last_seen_at: f.capturedAt,
        updated_at: f.now,
      }))
      .where("id", "=", f.into)
      .execute();
  }

  /** Inserts a new alert (the record as intake built it, plus its undrawn frame). */
  async insert(exec: Executor, r: AlertRecord, frame: StoredFile): Promise<void> {
    await exec
      .insertInto("alerts")
      .values({
        id: r.id,
        camera_id: r.camera_id,
        workshop_id: r.workshop_id,
        station_id: r.station_id,
        type: r.type,
        confidence: r.confidence,
        boxes: JSON.stringify(r.boxes),
        grade: r.grade,
        status: r.status,
        captured_at: r.captured_at,
        evidence_path: r.evidence_path,
        evidence_sha256: r.evidence_sha256,
        frame_path: frame.path,
        frame_sha256: frame.sha,
        area: r.area,
        model: r.model,
        model_version: r.model_version,
        zone: r.zone,
        escalation_due_at: r.escalation_due_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
      })
      .execute();
  }

  /** Status and station of an alert, row-locked until the transaction ends. */
  lockState(exec: Executor, id: string): Promise<{ status: string; station_id: number } | undefined> {
    return exec
      .selectFrom("alerts")
      .select(["status", "station_id"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
  }

  /** What the escalation check reads of an alert, row-locked until the transaction ends. */
  lockForEscalation(exec: Executor, id: string) {
    return exec
      .selectFrom("alerts")
      .select(["status", "station_id", "escalated_at", "grade", "escalation_due_at"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
  }

  async update(exec: Executor, id: string, patch: AlertStatePatch): Promise<void> {
    await exec.updateTable("alerts").set(patch).where("id", "=", id).execute();
  }

  /** The open camera_offline alerts of a camera (resolved when it is back). */
  openCameraOffline(cameraId: number): Promise<{ id: string }[]> {
    return this.db
      .selectFrom("alerts")
      .select("id")
      .where("camera_id", "=", cameraId)
      .where("type", "=", "camera_offline")
      .where("status", "in", ["new", "acknowledged"])
      .execute();
  }
}
