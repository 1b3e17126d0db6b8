/** Station row → API view. */
import type { StationView } from "@mingfang/core";
import type { Station } from "@mingfang/db";

export function stationView(s: Station & { pilot_workshops?: number | string | null }): StationView {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    pinyin: s.pinyin,
    targets2022: {
      demonstrationWorkshops: s.target_demonstration_workshops,
      upgradedToEnterprises: s.target_upgraded_to_enterprises,
      videoSupervisionPilots: s.target_video_supervision_pilots,
      industryAssociationActivities: s.target_industry_association_activities,
    },
    pilotWorkshops: Number(s.pilot_workshops ?? 0),
  };
}
