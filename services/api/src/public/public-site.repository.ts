/**
 * What the public pages read: the demonstration sites (workshops with `demo_site`), their public cameras
 * (public and enabled), and the two facts of their record the public sees (the last confirmed violation,
 * the latest closed rectification). Every query names its columns: nothing private can slip into a select.
 */
import type { Db } from "@mingfang/db";
import { sql } from "kysely";

/** Case outcomes that say a violation was found (docs/cases.md): not `false_alarm`, not `transferred`. */
export const CONFIRMED_OUTCOMES = ["violation_confirmed", "rectified", "penalised"] as const;

export interface PublicSiteRow {
  id: number;
  station_id: number;
  name: string;
  category: string;
  address: string;
  licence_no: string;
  station: string;
  demonstration_level: "demonstration" | "outstanding" | null;
}

export interface PublicCameraRow {
  id: number;
  workshop_id: number;
  name: string;
  area: string;
}

export class PublicSiteRepository {
  constructor(private readonly db: Db) {}

  private sitesQuery() {
    return this.db
      .selectFrom("workshops as w")
      .innerJoin("stations as s", "s.id", "w.station_id")
      .select([
        "w.id",
        "w.station_id",
        "w.name",
        "w.category",
        "w.address",
        "w.licence_no",
        "s.name as station",
        "w.demonstration_level",
      ])
      .where("w.demo_site", "=", true);
  }

  /** Every demonstration site, by station then name. */
  sites(): Promise<PublicSiteRow[]> {
    return this.sitesQuery().orderBy("w.station_id").orderBy("w.id").execute();
  }

  /** The demonstration site, or undefined (missing and private look the same). */
  site(id: number): Promise<PublicSiteRow | undefined> {
    return this.sitesQuery().where("w.id", "=", id).executeTakeFirst();
  }

  /** The public, enabled cameras of demonstration sites (of one site when `workshopId` is given). */
  cameras(workshopId?: number): Promise<PublicCameraRow[]> {
    let q = this.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.workshop_id", "c.name", "c.area"])
      .where("w.demo_site", "=", true)
      .where("c.public", "=", true)
      .where("c.enabled", "=", true);
    if (workshopId !== undefined) q = q.where("c.workshop_id", "=", workshopId);
    return q.orderBy("c.workshop_id").orderBy("c.id").execute();
  }

  /**
   * When the site's last confirmed violation happened: an alert a person resolved as real (not a camera
   * going offline, which the system resolves itself), or the opening of a case closed with an outcome that
   * found a violation. Null when there is none.
   */
  async lastViolationAt(workshopId: number): Promise<Date | null> {
    const alert = await this.db
      .selectFrom("alerts")
      .select(sql<Date | null>`max(captured_at)`.as("at"))
      .where("workshop_id", "=", workshopId)
      .where("status", "=", "resolved")
      .where("closed_by", "is not", null)
      .where("type", "<>", "camera_offline")
      .executeTakeFirst();
    const kase = await this.db
      .selectFrom("cases")
      .select(sql<Date | null>`max(created_at)`.as("at"))
      .where("workshop_id", "=", workshopId)
      .where("state", "=", "closed")
      .where("outcome", "in", [...CONFIRMED_OUTCOMES])
      .executeTakeFirst();
    const times = [alert?.at, kase?.at].filter((t): t is Date => t != null).map((t) => new Date(t).getTime());
    return times.length ? new Date(Math.max(...times)) : null;
  }

  /** The latest closed case of the site whose rectification was submitted: its title, dates, violation types. */
  async lastRectification(
    workshopId: number,
  ): Promise<{ title: string; rectifiedAt: Date; closedAt: Date; types: string[] } | null> {
    const c = await this.db
      .selectFrom("cases")
      .select(["id", "title", "rectified_at", "closed_at"])
      .where("workshop_id", "=", workshopId)
      .where("state", "=", "closed")
      .where("rectified_at", "is not", null)
      .where("closed_at", "is not", null)
      .orderBy("closed_at", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!c?.rectified_at || !c.closed_at) return null;
    const types = await this.db
      .selectFrom("case_alerts as ca")
      .innerJoin("alerts as a", "a.id", "ca.alert_id")
      .select("a.type")
      .distinct()
      .where("ca.case_id", "=", c.id)
      .orderBy("a.type")
      .execute();
    return {
      title: c.title,
      rectifiedAt: new Date(c.rectified_at),
      closedAt: new Date(c.closed_at),
      types: types.map((t) => t.type),
    };
  }
}
