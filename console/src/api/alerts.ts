/**
 * Alert calls of the alert centre: list and read (scoped by the API), the lifecycle actions, a case from
 * an alert, and the workshops and cameras its filters offer.
 */
import type { AlertClipView } from "@contracts/recordings";
import { http } from "./http";
import type {
  AlertListQuery,
  AlertView,
  CameraView,
  CaseCreateBody,
  CaseDetailView,
  Page,
  WorkshopView,
} from "./types";

/** The lifecycle actions the console offers, with their route. */
export type AlertActionName = "acknowledge" | "mark_false_positive" | "resolve";
const ACTION_PATH: Record<AlertActionName, string> = {
  acknowledge: "acknowledge",
  mark_false_positive: "false-positive",
  resolve: "resolve",
};

export const alertsApi = {
  list: (q: AlertListQuery, signal?: AbortSignal) =>
    http.get<Page<AlertView>>("/api/alerts", { ...q }, signal),
  get: (id: string) => http.get<AlertView>(`/api/alerts/${encodeURIComponent(id)}`),
  /** The alert's video clip: status, covered span, a signed MP4 URL (404: the alert has none). */
  clip: (id: string) => http.get<AlertClipView>(`/api/alerts/${encodeURIComponent(id)}/clip`),
  act: (id: string, action: AlertActionName, note: string | null) =>
    http.post<AlertView>(
      `/api/alerts/${encodeURIComponent(id)}/${ACTION_PATH[action]}`,
      note ? { note } : {},
    ),
  openCase: (body: CaseCreateBody) => http.post<CaseDetailView>("/api/cases", body),
  /** Filter options: the workshops (of a station) and cameras (of a workshop) the user may see. */
  workshops: (stationId?: number) =>
    http.get<Page<WorkshopView>>("/api/workshops", { stationId, pageSize: 200 }).then((r) => r.items),
  cameras: (workshopId: number) =>
    http.get<Page<CameraView>>("/api/cameras", { workshopId, pageSize: 200 }).then((r) => r.items),
};
