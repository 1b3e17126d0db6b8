/** Workshop row → API view. */
import type { WorkshopView } from "@mingfang/core";
import type { Workshop } from "@mingfang/db";
import { iso, parseJson } from "../views.js";

export function workshopView(
  w: Workshop & { station_name: string; camera_count: number | string | null },
): WorkshopView {
  return {
    id: w.id,
    stationId: w.station_id,
    stationName: w.station_name,
    name: w.name,
    licenceNo: w.licence_no,
    address: w.address,
    category: w.category,
    riskLevel: w.risk_level,
    coldChain: w.cold_chain,
    demoSite: w.demo_site,
    pilot: w.pilot,
    operatorName: w.operator_name,
    phone: w.phone,
    employees: w.employees,
    workingHours: parseJson(w.working_hours, null),
    cameraCount: Number(w.camera_count ?? 0),
    createdAt: iso(w.created_at),
    updatedAt: iso(w.updated_at),
  };
}
