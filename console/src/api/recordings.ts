/**
 * Playback of recordings (录像回放): a camera's day for the timeline, signed links of a span (the playlist
 * and the MP4), and an alert's clip (an "events" camera's only video).
 */
import type { AlertClipView, RecordingDayView, RecordingLinksView } from "@contracts/recordings";
import { http } from "./http";

export type { AlertClipView, RecordingDayView, RecordingLinksView };

export const recordingsApi = {
  day: (cameraId: number, day: string) =>
    http.get<RecordingDayView>(`/api/cameras/${cameraId}/recordings`, { day }),
  links: (cameraId: number, from: number, to: number, download = false) =>
    http.get<RecordingLinksView>(`/api/cameras/${cameraId}/recordings/links`, {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      download: download || undefined,
    }),
  clip: (alertId: string) => http.get<AlertClipView>(`/api/alerts/${alertId}/clip`),
};
