import type { Db } from "@mingfang/db";

export interface AuditEntry {
  actorId: number | null;
  actorUsername: string | null;
  action: string;
  targetType?: string;
  targetId?: string | number;
  stationId?: number | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/** The append-only audit log (the database refuses UPDATE and DELETE on it). */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto("audit_log")
      .values({
        actor_id: e.actorId,
        actor_username: e.actorUsername,
        action: e.action,
        target_type: e.targetType ?? null,
        target_id: e.targetId === undefined ? null : String(e.targetId),
        station_id: e.stationId ?? null,
        ip: e.ip ?? null,
        detail: e.detail ? JSON.stringify(e.detail) : null,
      })
      .execute();
  }
}
