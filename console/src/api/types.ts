/**
 * The console's request and response types, taken from the server's TypeBox contracts (type-only
 * imports: nothing of the server is bundled, nothing is typed twice).
 */
export type { AlertListQuery, AlertView, WsServerMessage } from "@contracts/alerts";
export type {
  CaseAttachmentView,
  CaseCreateBody,
  CaseDetailView,
  CaseEventView,
  CaseListQuery,
  CaseTransitionBody,
  CaseView,
  WorkshopFileView,
} from "@contracts/cases";
export type { CameraStatus } from "@contracts/events";
export type {
  CameraCreateBody,
  CameraListQuery,
  CameraUpdateBody,
  CameraView,
  ErrorBody,
  StationView,
  UserCreateBody,
  UserUpdateBody,
  UserView,
  WorkshopListQuery,
  WorkshopView,
} from "@contracts/rest";

export type Role = "bureau_admin" | "station_staff" | "duty_officer" | "brigade_officer";

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
export type { SystemCamera, SystemQueue, SystemStatus } from "@contracts/system";
