/** Row → API view mappings. Camera credentials are dropped here: the sealed URL never appears in a view. */
import type { CameraView, StationView, UserView, WorkshopView } from "@mingfang/core";
import type { Camera, Station, User, Workshop } from "@mingfang/db";

const iso = (d: Date | string) => new Date(d).toISOString();
const parseJson = <T>(v: unknown, fallback: T): T => {
  if (v === null || v === undefined) return fallback;
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
};

export function userView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    stationId: u.station_id,
    disabled: u.disabled,
    createdAt: iso(u.created_at),
  };
}

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

export function cameraView(c: Camera & { station_id: number }): CameraView {
  return {
    id: c.id,
    workshopId: c.workshop_id,
    stationId: c.station_id,
    name: c.name,
    area: c.area,
    sourceUrl: c.source_url_masked,
    subUrl: c.sub_url_masked,
    analyse: c.analyse,
    onvifUrl: c.onvif_url,
    onvifUsername: c.onvif_username,
    hasOnvifPassword: c.onvif_password_enc !== null,
    detectProfile: c.detect_profile,
    recordProfile: c.record_profile,
    zones: parseJson(c.zones, []),
    public: c.public,
    enabled: c.enabled,
    createdAt: iso(c.created_at),
    updatedAt: iso(c.updated_at),
  };
}
