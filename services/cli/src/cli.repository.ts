/** The CLI's own queries (user commands, the demo's cameras, the analytics' camera rules). */
import type { Role } from "@mingfang/core";
import type { Db } from "@mingfang/db";

export class CliRepository {
  constructor(private readonly db: Db) {}

  async stationIdByCode(code: string): Promise<number | undefined> {
    const s = await this.db.selectFrom("stations").select("id").where("code", "=", code).executeTakeFirst();
    return s?.id;
  }

  async userExists(username: string): Promise<boolean> {
    const u = await this.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", username)
      .executeTakeFirst();
    return u !== undefined;
  }

  /** A new user and its audit row (actor: the CLI). */
  async createUser(u: {
    username: string;
    displayName: string;
    passwordHash: string;
    role: Role;
    stationId: number | null;
  }): Promise<void> {
    await this.db
      .insertInto("users")
      .values({
        username: u.username,
        display_name: u.displayName,
        password_hash: u.passwordHash,
        role: u.role,
        station_id: u.stationId,
      })
      .execute();
    await this.db
      .insertInto("audit_log")
      .values({
        actor_id: null,
        actor_username: "cli",
        action: "user.create",
        target_type: "user",
        target_id: u.username,
        station_id: u.stationId,
      })
      .execute();
  }

  /** A user's new password; their sessions end; audited. False when there is no such user. */
  async setPassword(username: string, passwordHash: string): Promise<boolean> {
    const u = await this.db
      .updateTable("users")
      .set({ password_hash: passwordHash, password_changed_at: new Date() })
      .where("username", "=", username)
      .returning("id")
      .executeTakeFirst();
    if (!u) return false;
    await this.db.deleteFrom("sessions").where("user_id", "=", u.id).execute();
    await this.db
      .insertInto("audit_log")
      .values({
        actor_id: null,
        actor_username: "cli",
        action: "user.password_changed",
        target_type: "user",
        target_id: String(u.id),
      })
      .execute();
    return true;
  }

  /** The cameras of the pilot workshops, in station order, lowest camera id first in each workshop. */
  pilotCameras() {
    return this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.name", "c.source_url_enc", "c.zones", "w.name as workshop", "w.id as wid"])
      .where("w.pilot", "=", true)
      .orderBy("w.station_id")
      .orderBy("w.id")
      .orderBy("c.id")
      .execute();
  }

  async setCameraRules(id: number, r: { zones: string; schedule: string | null; analytics: string | null }) {
    await this.db.updateTable("cameras").set(r).where("id", "=", id).execute();
  }

  /** Sets `policy` on those of `ids` still on the default policy (`events`); a chosen policy stays. */
  async recordDefaultCameras(ids: number[], policy: string): Promise<void> {
    if (!ids.length) return;
    await this.db
      .updateTable("cameras")
      .set({ recording_policy: policy })
      .where("id", "in", ids)
      .where("recording_policy", "=", "events")
      .execute();
  }

  async setCamerasEnabled(ids: number[], enabled: boolean): Promise<void> {
    if (ids.length) await this.db.updateTable("cameras").set({ enabled }).where("id", "in", ids).execute();
  }

  /** What a camera's analytics rules are made of: its zones, schedule, overrides and its workshop's hours. */
  cameraRulesRow(cameraId: number) {
    return this.db
      .selectFrom("cameras")
      .innerJoin("workshops", "workshops.id", "cameras.workshop_id")
      .select(["cameras.zones", "cameras.schedule", "cameras.analytics", "workshops.working_hours"])
      .where("cameras.id", "=", cameraId)
      .executeTakeFirst();
  }
}
