/**
 * A workshop's demonstration title and enterprise upgrade: who may see and change them, the date rule,
 * and one transaction per change that writes the columns and an audit row with the values before and after.
 */
import type { DemonstrationBody, Principal, UpgradeBody, WorkshopPlanView } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { AuditRepository } from "../audit/audit.repository.js";
import { notFound } from "../errors.js";
import { can } from "../plugins/auth.plugin.js";
import {
  type DemonstrationColumns,
  PlanRepository,
  type PlanRow,
  type UpgradeColumns,
} from "./plan.repository.js";
import { checkNotFuture } from "./plan.rules.js";
import { demonstrationOf, planView, upgradeOf } from "./plan.views.js";

export interface Actor {
  user: Principal;
  ip: string;
}

type Part = "demonstration" | "upgrade";

const CLEARED: { demonstration: DemonstrationColumns; upgrade: UpgradeColumns } = {
  demonstration: {
    demonstration_level: null,
    demonstration_awarded_on: null,
    demonstration_decision_ref: null,
  },
  upgrade: { upgraded_on: null, enterprise_licence_no: null },
};

export class PlanService {
  readonly repo = new PlanRepository();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The workshop's plan as the user may see it: another station's workshop is a 404. */
  async read(user: Principal, workshopId: number): Promise<WorkshopPlanView> {
    const w = await this.repo.find(this.db, workshopId);
    if (!w) throw notFound("workshop");
    can(user, "workshop.read", "workshop", { stationId: w.station_id });
    return planView(w);
  }

  setDemonstration(actor: Actor, workshopId: number, b: DemonstrationBody): Promise<WorkshopPlanView> {
    checkNotFuture("awardedOn", b.awardedOn, this.now());
    return this.change(actor, workshopId, "demonstration", {
      demonstration_level: b.level,
      demonstration_awarded_on: b.awardedOn,
      demonstration_decision_ref: b.decisionRef,
    });
  }

  setUpgrade(actor: Actor, workshopId: number, b: UpgradeBody): Promise<WorkshopPlanView> {
    checkNotFuture("upgradedOn", b.upgradedOn, this.now());
    return this.change(actor, workshopId, "upgrade", {
      upgraded_on: b.upgradedOn,
      enterprise_licence_no: b.licenceNo,
    });
  }

  /** Withdraws the title or the upgrade; clearing what is not set changes nothing and writes no audit row. */
  clear(actor: Actor, workshopId: number, part: Part): Promise<WorkshopPlanView> {
    return this.change(actor, workshopId, part, CLEARED[part]);
  }

  /** Reads (404 first, so a role that may not change still learns nothing), then changes and audits. */
  private async change(
    actor: Actor,
    workshopId: number,
    part: Part,
    cols: DemonstrationColumns | UpgradeColumns,
  ): Promise<WorkshopPlanView> {
    return this.db.transaction().execute(async (trx) => {
      const w = await this.repo.find(trx, workshopId, true);
      if (!w) throw notFound("workshop");
      can(actor.user, "workshop.read", "workshop", { stationId: w.station_id });
      can(actor.user, "plan.update", "workshop", { stationId: w.station_id });
      const before = viewOf(w, part);
      if (part === "demonstration") await this.repo.setDemonstration(trx, w.id, cols as DemonstrationColumns);
      else await this.repo.setUpgrade(trx, w.id, cols as UpgradeColumns);
      const after = await this.repo.find(trx, w.id);
      if (!after) throw notFound("workshop");
      const afterPart = viewOf(after, part);
      if (JSON.stringify(before) !== JSON.stringify(afterPart)) {
        await new AuditRepository(trx as unknown as Db).record({
          actorId: actor.user.id,
          actorUsername: actor.user.username,
          action: `workshop.${part}${afterPart === null ? "_clear" : ""}`,
          targetType: "workshop",
          targetId: w.id,
          stationId: w.station_id,
          ip: actor.ip,
          detail: { before, after: afterPart },
        });
      }
      return planView(after);
    });
  }
}

function viewOf(r: PlanRow, part: Part) {
  return part === "demonstration" ? demonstrationOf(r) : upgradeOf(r);
}
