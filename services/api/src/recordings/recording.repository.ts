/**
 * The index of continuous recording (`recording_chunks`, migration 0011): one row per chunk file.
 */
import type { Db } from "@mingfang/db";

export interface ChunkRow {
  id: string;
  cameraId: number;
  startedAt: Date;
  endedAt: Date;
  bytes: number;
  /** Relative to DATA_DIR/media. */
  path: string;
  parts: [number, number][];
}

export interface NewChunk {
  cameraId: number;
  startedAt: Date;
  endedAt: Date;
  bytes: number;
  path: string;
  parts: [number, number][];
}

const toChunk = (r: {
  id: string;
  camera_id: number;
  started_at: Date;
  ended_at: Date;
  bytes: string | number;
  path: string;
  parts: [number, number][];
}): ChunkRow => ({
  id: String(r.id),
  cameraId: r.camera_id,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  bytes: Number(r.bytes),
  path: r.path,
  parts: r.parts,
});

export class RecordingRepository {
  constructor(private readonly db: Db) {}

  async insert(c: NewChunk): Promise<string> {
    const row = await this.db
      .insertInto("recording_chunks")
      .values({
        camera_id: c.cameraId,
        started_at: c.startedAt,
        ended_at: c.endedAt,
        bytes: c.bytes,
        path: c.path,
        parts: JSON.stringify(c.parts),
      })
      .onConflict((oc) => oc.column("path").doNothing())
      .returning("id")
      .executeTakeFirst();
    return row ? String(row.id) : "";
  }

  /** The chunks of a camera that overlap [from, to), in time order. */
  async overlapping(cameraId: number, from: Date, to: Date): Promise<ChunkRow[]> {
    const rows = await this.db
      .selectFrom("recording_chunks")
      .select(["id", "camera_id", "started_at", "ended_at", "bytes", "path", "parts"])
      .where("camera_id", "=", cameraId)
      .where("started_at", "<", to)
      .where("ended_at", ">", from)
      .orderBy("started_at")
      .execute();
    return rows.map(toChunk);
  }

  async byId(id: string): Promise<ChunkRow | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const r = await this.db
      .selectFrom("recording_chunks")
      .select(["id", "camera_id", "started_at", "ended_at", "bytes", "path", "parts"])
      .where("id", "=", id)
      .executeTakeFirst();
    return r ? toChunk(r) : null;
  }

  /**
   * Enabled cameras whose policy records continuously (continuous, working_hours), with what decides their
   * working hours: the camera's schedule, else its workshop's working hours (as the analytics decides).
   */
  async recordingCameras(): Promise<RecordingCamera[]> {
    const rows = await this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.recording_policy", "c.schedule", "w.working_hours"])
      .where("c.enabled", "=", true)
      .where("c.recording_policy", "in", ["continuous", "working_hours"])
      .orderBy("c.id")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      policy: r.recording_policy as "continuous" | "working_hours",
      schedule: r.schedule ?? null,
      workingHours: (r.working_hours as unknown) ?? null,
    }));
  }

  /** The end of each camera's newest chunk (where the archiver resumes after a restart). */
  async newestChunkEnds(): Promise<Map<number, Date>> {
    const rows = await this.db
      .selectFrom("recording_chunks")
      .select(({ fn }) => ["camera_id", fn.max("ended_at").as("end")])
      .groupBy("camera_id")
      .execute();
    return new Map(rows.map((r) => [r.camera_id, new Date(r.end as Date | string)]));
  }
}

/** A camera the archiver records (RecordingRepository.recordingCameras). */
export interface RecordingCamera {
  id: number;
  policy: "continuous" | "working_hours";
  /** `cameras.schedule` as stored (CameraSchedule), or null. */
  schedule: unknown;
  /** `workshops.working_hours` as stored (WorkingHoursJson), or null. */
  workingHours: unknown;
}
