/**
 * The plan's targets as data (issue 13 §1): a workshop's demonstration title and its upgrade to an
 * enterprise, and the industry-association activities with their photos.
 */
import type {
  ActivityBody,
  ActivityListQuery,
  ActivityPhotoView,
  ActivityUpdateBody,
  ActivityView,
  DemonstrationBody,
  UpgradeBody,
  WorkshopPlanView,
} from "@contracts/plan";
import { http, request } from "./http";
import type { Page } from "./types";

export type {
  ActivityBody,
  ActivityPhotoView,
  ActivityUpdateBody,
  ActivityView,
  DemonstrationBody,
  DemonstrationLevel,
  UpgradeBody,
  WorkshopPlanView,
} from "@contracts/plan";
export type ActivityFilter = Partial<ActivityListQuery>;

export const planApi = {
  get: (workshopId: number, signal?: AbortSignal) =>
    http.get<WorkshopPlanView>(`/api/workshops/${workshopId}/plan`, undefined, signal),
  setDemonstration: (workshopId: number, body: DemonstrationBody) =>
    request<WorkshopPlanView>("PUT", `/api/workshops/${workshopId}/demonstration`, { body }),
  clearDemonstration: (workshopId: number) =>
    request<WorkshopPlanView>("DELETE", `/api/workshops/${workshopId}/demonstration`),
  setUpgrade: (workshopId: number, body: UpgradeBody) =>
    request<WorkshopPlanView>("PUT", `/api/workshops/${workshopId}/upgrade`, { body }),
  clearUpgrade: (workshopId: number) =>
    request<WorkshopPlanView>("DELETE", `/api/workshops/${workshopId}/upgrade`),
};

export const activitiesApi = {
  list: (q: ActivityFilter, signal?: AbortSignal) =>
    http.get<Page<ActivityView>>("/api/activities", q as Record<string, string | number | undefined>, signal),
  create: (body: ActivityBody) => http.post<ActivityView>("/api/activities", body),
  update: (id: number, body: ActivityUpdateBody) => http.patch<ActivityView>(`/api/activities/${id}`, body),
  remove: (id: number) => http.del<void>(`/api/activities/${id}`),
  /** One photo, multipart field `file` (JPEG or PNG). */
  upload: (id: number, file: File | Blob, name = "photo.jpg") => {
    const form = new FormData();
    form.append("file", file, file instanceof File ? file.name : name);
    return request<ActivityPhotoView>("POST", `/api/activities/${id}/photos`, { body: form });
  },
  removePhoto: (id: number, photoId: string) => http.del<void>(`/api/activities/${id}/photos/${photoId}`),
};
