/** The system status page's one call: GET /api/system/status (bureau admin). */
import { http } from "./http";
import type { SystemStatus } from "./types";

export const systemApi = {
  status: (signal?: AbortSignal) => http.get<SystemStatus>("/api/system/status", undefined, signal),
};
