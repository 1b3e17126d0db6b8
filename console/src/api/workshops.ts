/** Calls of the workshop registry (小作坊档案), each workshop's file, its cameras and the Excel ledger. */
import type { PosterView } from "@contracts/poster";
import { http, withQuery } from "./http";
import type { CameraView, Page, WorkshopFileView, WorkshopListQuery, WorkshopView } from "./types";

export type WorkshopFilter = Partial<WorkshopListQuery>;

export const workshopsApi = {
  list: (q: WorkshopFilter, signal?: AbortSignal) =>
    http.get<Page<WorkshopView>>(
      "/api/workshops",
      q as Record<string, string | number | boolean | undefined>,
      signal,
    ),
  get: (id: number, signal?: AbortSignal) =>
    http.get<WorkshopView>(`/api/workshops/${id}`, undefined, signal),
  file: (id: number, period: { from?: string; to?: string }, signal?: AbortSignal) =>
    http.get<WorkshopFileView>(`/api/workshops/${id}/file`, period, signal),
  cameras: (workshopId: number, signal?: AbortSignal) =>
    http.get<Page<CameraView>>("/api/cameras", { workshopId, pageSize: 200 }, signal),
  /** A demonstration site's public address and the URLs of its QR code and A4 poster (一店一码). */
  poster: (id: number, signal?: AbortSignal) =>
    http.get<PosterView>(`/api/workshops/${id}/poster`, undefined, signal),
  /** The ledger's URL: the browser downloads it with the session cookie. */
  ledgerUrl: (q: { stationId?: number | null; from: string; to: string }) =>
    withQuery("/api/reports/ledger.xlsx", q),
};
