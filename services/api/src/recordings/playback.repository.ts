/**
 * The queries of playback (docs/recordings.md, "Playback"): a camera's day (chunk times, clips, alerts),
 * and who a signed link was issued to. The chunks themselves come from recording.repository.ts.
 */
import type { Role } from "@mingfang/core";
import type { Db } from "@mingfang/db";

export interface ChunkTime {
  startedAt: Date;
  endedAt: Date;
  bytes: number;
}

export interface ClipSpan {
  alertId: string;
  startedAt: Date;
  endedAt: Date;
  bytes: number;
}

export interface DayAlert {
  id: string;
  type: string;
  grade: number;
  capturedAt: Date;
  clip: string | null;
}

export interface LinkUser {
  id: number;
  username: string;
  role: Role;
  stationId: number | null;
  disabled: boolean;
}

/** At most this many alert marks on one camera's day. */
export const DAY_ALERT_LIMIT = 2000;

export class PlaybackRepository {
  constructor(private readonly db: Db) {}

  /** Start, end and size of the camera's chunks that overlap [from, to), in time order (no parts). */
  async chunkTimes(cameraId: number, from: Date, to: Date): Promise<ChunkTime[]> {
    const rows = await this.db
      .selectFrom("recording_chunks")
      .select(["started_at", "ended_at", "bytes"])
      .where("camera_id", "=", cameraId)
      .where("started_at", "<", to)
      .where("ended_at", ">", from)
      .orderBy("started_at")
      .execute();
    return rows.map((r) => ({ startedAt: r.started_at, endedAt: r.ended_at, bytes: Number(r.bytes) }));
  }

  /** The camera's clips that exist (ready or partial, not purged) and overlap [from, to). */
  async clipSpans(cameraId: number, from: Date, to: Date): Promise<ClipSpan[]> {
    const rows = await this.db
      .selectFrom("alert_clips")
      .select(["alert_id", "started_at", "ended_at", "bytes"])
      .where("camera_id", "=", cameraId)
      .where("status", "in", ["ready", "partial"])
      .where("purged_at", "is", null)
      .where("started_at", "<", to)
      .where("ended_at", ">", from)
      .orderBy("started_at")
      .execute();
    return rows.flatMap((r) =>
      r.started_at && r.ended_at
        ? [{ alertId: r.alert_id, startedAt: r.started_at, endedAt: r.ended_at, bytes: Number(r.bytes ?? 0) }]
        : [],
    );
  }

  /** The camera's alerts captured in [from, to), with their clip's status, in time order. */
  async alerts(cameraId: number, from: Date, to: Date): Promise<DayAlert[]> {
    const rows = await this.db
      .selectFrom("alerts as a")
      .leftJoin("alert_clips as c", "c.alert_id", "a.id")
      .select(["a.id", "a.type", "a.grade", "a.captured_at", "c.status as clip"])
      .where("a.camera_id", "=", cameraId)
      .where("a.captured_at", ">=", from)
      .where("a.captured_at", "<", to)
      .orderBy("a.captured_at")
      .limit(DAY_ALERT_LIMIT)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      grade: r.grade,
      capturedAt: r.captured_at,
      clip: r.clip ?? null,
    }));
  }

  /** The user a recording link was signed for (a download is audited under them and checked again). */
  async linkUser(id: number): Promise<LinkUser | null> {
    const r = await this.db
      .selectFrom("users")
      .select(["id", "username", "role", "station_id", "disabled"])
      .where("id", "=", id)
      .executeTakeFirst();
    return r
      ? { id: r.id, username: r.username, role: r.role, stationId: r.station_id, disabled: r.disabled }
      : null;
  }
}
