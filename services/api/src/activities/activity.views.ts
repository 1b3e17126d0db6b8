import type { ActivityPhotoView, ActivityView } from "@mingfang/core";
import { iso } from "../views.js";
import type { ActivityRow, PhotoRow } from "./activity.repository.js";

export function activityPhotoView(p: PhotoRow): ActivityPhotoView {
  return {
    id: p.id,
    mime: p.mime,
    size: p.size,
    sha256: p.sha256,
    url: `/api/activities/${p.activity_id}/photos/${p.id}`,
    createdAt: iso(p.created_at),
  };
}

export function activityView(a: ActivityRow, photos: PhotoRow[]): ActivityView {
  return {
    id: a.id,
    stationId: a.station_id,
    stationName: a.station_name,
    heldOn: a.held_on,
    title: a.title,
    participants: a.participants,
    summary: a.summary,
    photos: photos.filter((p) => p.activity_id === a.id).map(activityPhotoView),
    createdAt: iso(a.created_at),
  };
}
