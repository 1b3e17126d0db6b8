import { type Principal, type Role, randomToken, sha256Hex } from "@mingfang/core";
import type { Db } from "@mingfang/db";

export interface SessionUser extends Principal {
  displayName: string;
  sessionId: string;
  lastSeenAt: Date;
}

export class SessionRepository {
  constructor(private readonly db: Db) {}

  /** Creates a session and returns the cookie token; only its SHA-256 is stored. */
  async create(userId: number, ttlMs: number, ip: string | null, userAgent: string | null): Promise<string> {
    const token = randomToken(32);
    await this.db
      .insertInto("sessions")
      .values({
        id: sha256Hex(token),
        user_id: userId,
        expires_at: new Date(Date.now() + ttlMs),
        ip,
        user_agent: userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    return token;
  }

  async find(token: string): Promise<(SessionUser & { expiresAt: Date }) | undefined> {
    const row = await this.db
      .selectFrom("sessions as s")
      .innerJoin("users as u", "u.id", "s.user_id")
      .select([
        "s.id as sid",
        "s.expires_at",
        "s.last_seen_at",
        "u.id",
        "u.username",
        "u.display_name",
        "u.role",
        "u.station_id",
        "u.disabled",
      ])
      .where("s.id", "=", sha256Hex(token))
      .executeTakeFirst();
    if (!row || row.disabled) return undefined;
    return {
      sessionId: row.sid,
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      role: row.role as Role,
      stationId: row.station_id,
      expiresAt: new Date(row.expires_at),
      lastSeenAt: new Date(row.last_seen_at),
    };
  }

  async touch(sessionId: string): Promise<void> {
    await this.db
      .updateTable("sessions")
      .set({ last_seen_at: new Date() })
      .where("id", "=", sessionId)
      .execute();
  }

  async delete(sessionId: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("id", "=", sessionId).execute();
  }

  async deleteForUser(userId: number): Promise<void> {
    await this.db.deleteFrom("sessions").where("user_id", "=", userId).execute();
  }

  async deleteExpired(idleMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom("sessions")
      .where((eb) =>
        eb.or([eb("expires_at", "<", new Date()), eb("last_seen_at", "<", new Date(Date.now() - idleMs))]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
