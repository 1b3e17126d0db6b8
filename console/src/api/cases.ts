/** Calls of the rapid-response cases (快速反应案件): list, detail, transitions, assignment, notes, photos. */
import { http, request } from "./http";
import type {
  CaseAttachmentView,
  CaseCreateBody,
  CaseDetailView,
  CaseListQuery,
  CaseTransitionBody,
  CaseView,
  Page,
} from "./types";

export type PhotoKind = CaseAttachmentView["kind"];
export type CaseListFilter = Partial<CaseListQuery>;

export const casesApi = {
  list: (q: CaseListFilter, signal?: AbortSignal) =>
    http.get<Page<CaseView>>(
      "/api/cases",
      q as Record<string, string | number | boolean | undefined>,
      signal,
    ),
  get: (id: string, signal?: AbortSignal) => http.get<CaseDetailView>(`/api/cases/${id}`, undefined, signal),
  create: (body: CaseCreateBody) => http.post<CaseDetailView>("/api/cases", body),
  transition: (id: string, body: CaseTransitionBody) =>
    http.post<CaseDetailView>(`/api/cases/${id}/transitions`, body),
  assign: (id: string, brigade: boolean, note?: string) =>
    http.post<CaseDetailView>(`/api/cases/${id}/assignment`, note ? { brigade, note } : { brigade }),
  note: (id: string, note: string) => http.post<CaseDetailView>(`/api/cases/${id}/notes`, { note }),
  /** The case's archive (案卷 ZIP), for a plain download link: the browser streams it to disk. */
  archiveUrl: (id: string) => `/api/cases/${encodeURIComponent(id)}/archive`,
  /** One photo, multipart field `file` (JPEG or PNG). */
  upload: (id: string, kind: PhotoKind, file: File | Blob, name = "photo.jpg") => {
    const form = new FormData();
    form.append("file", file, file instanceof File ? file.name : name);
    return request<CaseAttachmentView>("POST", `/api/cases/${id}/attachments`, {
      body: form,
      query: { kind },
    });
  },
};
