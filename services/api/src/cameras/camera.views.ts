/** Camera row → API view. Camera credentials are dropped here: the sealed URL never appears in a view. */
import type { CameraView, RecordingPolicy } from "@mingfang/core";
import type { Camera } from "@mingfang/db";
import { iso, parseJson } from "../views.js";

export function cameraView(c: Camera & { station_id: number }): CameraView {
  return {
    id: c.id,
    workshopId: c.workshop_id,
    stationId: c.station_id,
    name: c.name,
    area: c.area,
    sourceUrl: c.source_url_masked,
    subUrl: c.sub_url_masked,
    analyse: c.analyse,
    onvifUrl: c.onvif_url,
    onvifUsername: c.onvif_username,
    hasOnvifPassword: c.onvif_password_enc !== null,
    detectProfile: c.detect_profile,
    recordProfile: c.record_profile,
    zones: parseJson(c.zones, []),
    privacyMasks: parseJson(c.privacy_masks, []),
    public: c.public,
    recordingPolicy: c.recording_policy as RecordingPolicy,
    clipPreSeconds: c.clip_pre_seconds,
    clipPostSeconds: c.clip_post_seconds,
    enabled: c.enabled,
    createdAt: iso(c.created_at),
    updatedAt: iso(c.updated_at),
  };
}
