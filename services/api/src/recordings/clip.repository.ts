/**
 * Alerts' clips (`alert_clips`, migration 0011): the pending row an alert gets, what its cut found, and
 * the look-ups of the sweep (pending rows past due, recent alerts that never got a row).
 */
import type { Db } from "@mingfang/db";
import { sql } from "kysely";

export interface ClipRow {
  alertId: string;
  cameraId: number;
  /** The alert's station and capture time (where the file goes, who may see it). */
  stationId: number;
  capturedAt: Date;
  status: string;
  requestedFrom: Date;
  requestedTo: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Relative to DATA_DIR/media. */
  path: string | null;
  sha256: string | null;
  bytes: number | null;
  error: string | null;
  purgedAt: Date | null;
}

/** What a finished cut writes (status other than pending). */
export interface ClipOutcome {
  status: "ready" | "partial" | "missing" | "failed";
  startedAt?: Date | null;
  endedAt?: Date | null;
  path?: string | null;
  sha256?: string | null;
  bytes?: number | null;
  error?: string | null;
}

export interface CameraClipSettings {
  policy: string;
  preSeconds: number | null;
  postSeconds: number | null;
}

/** A recent alert without a clip row (its process died between the alert's commit and the row). */
export interface AlertWithoutClip {
  id: string;
  cameraId: number;
  type: string;
  capturedAt: Date;
}

export class ClipRepository {
  constructor(readonly db: Db) {}

  async cameraSettings(cameraId: number): Promise<CameraClipSettings | undefined> {
    const r = await this.db
      .selectFrom("cameras")
      .select(["recording_policy", "clip_pre_seconds", "clip_post_seconds"])
      .where("id", "=", cameraId)
      .executeTakeFirst();
    return r
      ? { policy: r.recording_policy, preSeconds: r.clip_pre_seconds, postSeconds: r.clip_post_seconds }
      : undefined;
  }

  /** The pending row of a new alert; false when it has one already. */
  async insertPending(c: { alertId: string; cameraId: number; from: Date; to: Date }): Promise<boolean> {
    const r = await this.db
      .insertInto("alert_clips")
      .values({ alert_id: c.alertId, camera_id: c.cameraId, requested_from: c.from, requested_to: c.to })
      .onConflict((oc) => oc.column("alert_id").doNothing())
      .returning("alert_id")
      .executeTakeFirst();
    return r !== undefined;
  }

  async find(alertId: string): Promise<ClipRow | undefined> {
    const r = await this.db
      .selectFrom("alert_clips as k")
      .innerJoin("alerts as a", "a.id", "k.alert_id")
      .select([
        "k.alert_id",
        "k.camera_id",
        "a.station_id",
        "a.captured_at",
        "k.status",
        "k.requested_from",
        "k.requested_to",
        "k.started_at",
        "k.ended_at",
        "k.path",
        "k.sha256",
        "k.bytes",
        "k.error",
        "k.purged_at",
      ])
      .where("k.alert_id", "=", alertId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      alertId: r.alert_id,
      cameraId: r.camera_id,
      stationId: r.station_id,
      capturedAt: new Date(r.captured_at),
      status: r.status,
      requestedFrom: new Date(r.requested_from),
      requestedTo: new Date(r.requested_to),
      startedAt: r.started_at ? new Date(r.started_at) : null,
      endedAt: r.ended_at ? new Date(r.ended_at) : null,
      path: r.path,
      sha256: r.sha256,
      bytes: r.bytes === null ? null : Number(r.bytes),
      error: r.error,
      purgedAt: r.purged_at ? new Date(r.purged_at) : null,
    };
  }

  /** Records a cut's outcome, once: only a pending row changes (a redelivered job finds it done). */
  async finish(alertId: string, o: ClipOutcome): Promise<boolean> {
    const r = await this.db
      .updateTable("alert_clips")
      .set({
        status: o.status,
        started_at: o.startedAt ?? null,
        ended_at: o.endedAt ?? null,
        path: o.path ?? null,
        sha256: o.sha256 ?? null,
        bytes: o.bytes ?? null,
        error: o.error ?? null,
        updated_at: new Date(),
      })
      .where("alert_id", "=", alertId)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Pending rows whose window ended before `before` (their delayed job may have been lost). */
  async duePending(
    before: Date,
    limit = 200,
  ): Promise<{ alertId: string; cameraId: number; from: Date; to: Date }[]> {
    const rows = await this.db
      .selectFrom("alert_clips")
      .select(["alert_id", "camera_id", "requested_from", "requested_to"])
      .where("status", "=", "pending")
      .where("requested_to", "<", before)
      .orderBy("requested_to")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      alertId: r.alert_id,
      cameraId: r.camera_id,
      from: new Date(r.requested_from),
      to: new Date(r.requested_to),
    }));
  }

  /**
   * Alerts created since `since` that have no clip row, of a camera that records (not `off`), except
   * `except` (camera_offline: no video).
   */
  async alertsWithoutClip(since: Date, except: string, limit = 200): Promise<AlertWithoutClip[]> {
    const rows = await this.db
      .selectFrom("alerts as a")
      .innerJoin("cameras as c", "c.id", "a.camera_id")
      .leftJoin("alert_clips as k", "k.alert_id", "a.id")
      .select(["a.id", "a.camera_id", "a.type", "a.captured_at"])
      .where("a.created_at", ">=", since)
      .where("k.alert_id", "is", null)
      .where("a.type", "<>", except)
      .where("c.recording_policy", "<>", "off")
      .orderBy("a.created_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      cameraId: r.camera_id,
      type: r.type,
      capturedAt: new Date(r.captured_at),
    }));
  }

  /** Counts by status (metrics, tests). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom("alert_clips")
      .select(["status", sql<string>`count(*)`.as("n")])
      .groupBy("status")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
