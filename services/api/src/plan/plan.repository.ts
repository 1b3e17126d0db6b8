/**
 * The plan's columns of a workshop (migration 0008): its demonstration title and its upgrade to an
 * enterprise. Every method takes the connection or the transaction it runs in.
 */
import type { Database } from "@mingfang/db";
import type { Kysely, Transaction } from "kysely";

export type Exec = Kysely<Database> | Transaction<Database>;

export interface PlanRow {
  id: number;
  station_id: number;
  demonstration_level: "demonstration" | "outstanding" | null;
  demonstration_awarded_on: string | null;
  demonstration_decision_ref: string | null;
  upgraded_on: string | null;
  enterprise_licence_no: string | null;
}

export interface DemonstrationColumns {
  demonstration_level: "demonstration" | "outstanding" | null;
  demonstration_awarded_on: string | null;
  demonstration_decision_ref: string | null;
}

export interface UpgradeColumns {
  upgraded_on: string | null;
  enterprise_licence_no: string | null;
}

export class PlanRepository {
  /** The workshop's plan columns; `forUpdate` locks the row inside a transaction. */
  find(db: Exec, workshopId: number, forUpdate = false): Promise<PlanRow | undefined> {
    let q = db
      .selectFrom("workshops")
      .select([
        "id",
        "station_id",
        "demonstration_level",
        "demonstration_awarded_on",
        "demonstration_decision_ref",
        "upgraded_on",
        "enterprise_licence_no",
      ])
      .where("id", "=", workshopId);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async setDemonstration(db: Exec, workshopId: number, cols: DemonstrationColumns): Promise<void> {
    await db
      .updateTable("workshops")
      .set({ ...cols, updated_at: new Date() })
      .where("id", "=", workshopId)
      .execute();
  }

  async setUpgrade(db: Exec, workshopId: number, cols: UpgradeColumns): Promise<void> {
    await db
      .updateTable("workshops")
      .set({ ...cols, updated_at: new Date() })
      .where("id", "=", workshopId)
      .execute();
  }
}
