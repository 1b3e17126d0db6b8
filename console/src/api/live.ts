/**
 * The live wall's calls: the cameras and workshops of the tree, the cameras' statuses (in one call),
 * signed live URLs, snapshots and the latest alerts.
 */
import { http } from "./http";
import type { AlertView, CameraStatus, CameraView, Page, WorkshopView } from "./types";

export interface LiveUrls {
  cameraId: number;
  hls: string;
  flv?: string;
  expiresAt: string;
}

const PAGE = 200;

/** Every item of a paged list (the wall needs all of a station's cameras, not the first page). */
async function all<T>(path: string, query: Record<string, string | number> = {}): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const r = await http.get<Page<T>>(path, { ...query, page, pageSize: PAGE });
    out.push(...r.items);
    if (out.length >= r.total || r.items.length === 0) return out;
  }
}

export const liveApi = {
  cameras: () => all<CameraView>("/api/cameras"),
  workshops: () => all<WorkshopView>("/api/workshops"),

  /** The statuses of every camera the user may see, in one call. */
  statuses: () => http.get<{ items: CameraStatus[] }>("/api/cameras/status").then((r) => r.items),

  live: (cameraId: number) => http.get<LiveUrls>(`/api/cameras/${cameraId}/live`),

  /** The latest frame as a JPEG URL (the session cookie authorises it; `t` defeats caches). */
  snapshotUrl: (cameraId: number, t = Date.now()) => `/api/cameras/${cameraId}/snapshot?t=${t}`,
  snapshot: (cameraId: number) => http.get<Blob>(`/api/cameras/${cameraId}/snapshot`),

  /** The latest alerts the user may see (the API scopes them to the user's station). */
  latestAlerts: (pageSize = 100, cameraId?: number) =>
    http.get<Page<AlertView>>("/api/alerts", { pageSize, cameraId }).then((r) => r.items),
};
