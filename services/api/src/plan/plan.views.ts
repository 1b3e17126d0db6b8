import type { DemonstrationLevel, WorkshopPlanView } from "@mingfang/core";
import type { PlanRow } from "./plan.repository.js";

export function demonstrationOf(r: PlanRow): WorkshopPlanView["demonstration"] {
  if (!r.demonstration_level || !r.demonstration_awarded_on) return null;
  return {
    level: r.demonstration_level as DemonstrationLevel,
    awardedOn: r.demonstration_awarded_on,
    decisionRef: r.demonstration_decision_ref ?? "",
  };
}

export function upgradeOf(r: PlanRow): WorkshopPlanView["upgrade"] {
  if (!r.upgraded_on) return null;
  return { upgradedOn: r.upgraded_on, licenceNo: r.enterprise_licence_no ?? "" };
}

export function planView(r: PlanRow): WorkshopPlanView {
  return { workshopId: r.id, demonstration: demonstrationOf(r), upgrade: upgradeOf(r) };
}
