/**
 * The live wall's calls: the cameras and workshops of the tree, the cameras' statuses (in one call where
 * the API has `GET /api/cameras/status`), signed live URLs, snapshots and the latest alerts.
 */
import { ApiError, http } from "./http";
import type { AlertView, CameraStatus, CameraView, Page, WorkshopView } from "./types";

export interface LiveUrls {
  cameraId: number;
  hls: string;
  flv?: string;
  expiresAt: string;
}

const PAGE = 200;

/** This server has no `GET /api/cameras/status` (it answered 400/404 once): ask camera by camera. */
let bulkMissing = false;

/** Every item of a paged list (the wall needs all of a station's cameras, not the first page). */
async function all<T>(path: string, query: Record<string, string | number> = {}): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const r = await http.get<Page<T>>(path, { ...query, page, pageSize: PAGE });
    out.push(...r.items);
    if (out.length >= r.total || r.items.length === 0) return out;
  }
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T, R>(items: T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

export const liveApi = {
  cameras: () => all<CameraView>("/api/cameras"),
  workshops: () => all<WorkshopView>("/api/workshops"),

  /**
   * The statuses of the given cameras: one `GET /api/cameras/status` call; an API without it (older
   * server) is asked camera by camera, six at a time.
   */
  async statuses(cameraIds: number[]): Promise<CameraStatus[]> {
    if (!bulkMissing) {
      try {
        const r = await http.get<{ items: CameraStatus[] }>("/api/cameras/status");
        return r.items;
      } catch (err) {
        if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 404)) throw err;
        bulkMissing = true;
      }
    }
    const got = await pool(cameraIds, 6, (id) =>
      http.get<CameraStatus>(`/api/cameras/${id}/status`).catch(() => null),
    );
    return got.filter((s): s is CameraStatus => s !== null);
  },

  live: (cameraId: number) => http.get<LiveUrls>(`/api/cameras/${cameraId}/live`),

  /** The latest frame as a JPEG URL (the session cookie authorises it; `t` defeats caches). */
  snapshotUrl: (cameraId: number, t = Date.now()) => `/api/cameras/${cameraId}/snapshot?t=${t}`,
  snapshot: (cameraId: number) => http.get<Blob>(`/api/cameras/${cameraId}/snapshot`),

  /** The latest alerts the user may see (the API scopes them to the user's station). */
  latestAlerts: (pageSize = 100, cameraId?: number) =>
    http.get<Page<AlertView>>("/api/alerts", { pageSize, cameraId }).then((r) => r.items),
};
