/**
 * Camera management's calls: the register (list, create, change, delete), statuses in one call, ONVIF
 * discovery and probe, a push camera's publish URL, the latest snapshot, and a camera's analysis rules
 * (working hours, thresholds).
 */
import type { CameraRulesBody, CameraRulesView } from "@contracts/camera-rules";
import { http } from "./http";
import type {
  CameraCreateBody,
  CameraListQuery,
  CameraStatus,
  CameraUpdateBody,
  CameraView,
  Page,
  WorkshopView,
} from "./types";

export interface DiscoveredDevice {
  endpoint: string;
  onvifUrl: string;
  xaddrs: string[];
  name: string | null;
  hardware: string | null;
  from: string;
}

export interface OnvifProfile {
  token: string;
  name: string;
  encoding: string;
  width: number;
  height: number;
  fps: number | null;
  bitrateKbps: number | null;
  /** Masked: no credentials. */
  streamUrl: string;
  snapshotUrl: string | null;
}

export interface ProbeResult {
  device: {
    manufacturer: string;
    model: string;
    firmwareVersion: string;
    serialNumber: string;
    hardwareId: string;
  };
  profiles: OnvifProfile[];
  mainProfile: string;
  subProfile: string;
}

export interface PublishUrl {
  publishUrl: string;
  sourceUrl: string;
  expiresAt: string;
}

type ListFilter = Partial<Pick<CameraListQuery, "stationId" | "workshopId" | "area" | "page" | "pageSize">>;

export const camerasApi = {
  list: (q: ListFilter) => http.get<Page<CameraView>>("/api/cameras", q),
  get: (id: number) => http.get<CameraView>(`/api/cameras/${id}`),
  create: (body: CameraCreateBody) => http.post<CameraView>("/api/cameras", body),
  update: (id: number, body: CameraUpdateBody) => http.patch<CameraView>(`/api/cameras/${id}`, body),
  remove: (id: number) => http.del<void>(`/api/cameras/${id}`),
  statuses: (stationId?: number) =>
    http.get<{ items: CameraStatus[] }>("/api/cameras/status", { stationId }).then((r) => r.items),
  discover: () => http.post<{ interface: string; devices: DiscoveredDevice[] }>("/api/cameras/discover"),
  probe: (onvifUrl: string, username: string, password: string) =>
    http.post<ProbeResult>("/api/cameras/probe", { onvifUrl, username, password }),
  publishUrl: (id: number) => http.get<PublishUrl>(`/api/cameras/${id}/publish-url`),
  /** The latest frame as a Blob (JPEG); the caller makes an object URL of it. */
  snapshot: (id: number) => http.get<Blob>(`/api/cameras/${id}/snapshot`),
  rules: (id: number) => http.get<CameraRulesView>(`/api/cameras/${id}/rules`),
  saveRules: (id: number, body: CameraRulesBody) =>
    http.patch<CameraRulesView>(`/api/cameras/${id}/rules`, body),
  /** The workshops the user may see (names for the list, choices for the form). */
  workshops: (stationId?: number) =>
    http.get<Page<WorkshopView>>("/api/workshops", { stationId, pageSize: 200 }).then((r) => r.items),
};
