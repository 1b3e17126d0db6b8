/**
 * A camera body → its columns: URLs checked, credentials sealed (AES-256-GCM) with their masked display
 * form beside them, and the rules of push cameras (their source is our own node-media-server).
 */
import { type CameraUpdateBody, encrypt, type Keyring, maskCameraUrl, pushStreamPath } from "@mingfang/core";
import { badRequest } from "../errors.js";
import type { CameraUpdate } from "./camera.repository.js";

/** A camera URL must parse and name a host; anything else is refused with the field named. */
export function checkCameraUrl(url: string, field: string, schemes = ["rtsp:", "rtsps:", "rtmp:"]): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badRequest(field, `body: '${field}' is not a valid URL`);
  }
  if (!schemes.includes(u.protocol)) {
    throw badRequest(field, `body: '${field}' must use ${schemes.map((s) => s.slice(0, -1)).join(", ")}`);
  }
  if (!u.hostname) throw badRequest(field, `body: '${field}' has no host`);
  if (u.port && (Number(u.port) < 1 || Number(u.port) > 65535))
    throw badRequest(field, `body: '${field}' has a bad port`);
}

/** Refuses a push camera when RTMP is off or when a sourceUrl comes with it. */
export function checkPush(b: CameraUpdateBody, rtmpPort: number): void {
  if (!b.push) return;
  if (b.sourceUrl !== undefined)
    throw badRequest("push", "body: a push camera takes no 'sourceUrl' (the platform sets it)");
  if (rtmpPort === 0)
    throw badRequest("push", "body: RTMP is turned off here (RTMP_PORT=0): no push cameras");
}

/** The source of a push camera: its stream on our own node-media-server, pulled by the ingest. */
export function pushSource(cameraId: number, rtmpPort: number, keyring: Keyring): CameraUpdate {
  const url = `rtmp://127.0.0.1:${rtmpPort}${pushStreamPath(cameraId)}`;
  return { source_url_enc: encrypt(keyring.credentials, url), source_url_masked: maskCameraUrl(url) };
}

/** The stream and ONVIF URLs of the body, checked, sealed and masked. */
function urlColumns(b: CameraUpdateBody, keyring: Keyring): CameraUpdate {
  const out: CameraUpdate = {};
  if (b.sourceUrl !== undefined) {
    checkCameraUrl(b.sourceUrl, "sourceUrl");
    out.source_url_enc = encrypt(keyring.credentials, b.sourceUrl);
    out.source_url_masked = maskCameraUrl(b.sourceUrl);
  }
  if (b.subUrl !== undefined) {
    if (b.subUrl === null) {
      out.sub_url_enc = null;
      out.sub_url_masked = null;
    } else {
      checkCameraUrl(b.subUrl, "subUrl");
      out.sub_url_enc = encrypt(keyring.credentials, b.subUrl);
      out.sub_url_masked = maskCameraUrl(b.subUrl);
    }
  }
  if (b.onvifUrl !== undefined) {
    checkCameraUrl(b.onvifUrl, "onvifUrl", ["http:", "https:"]);
    out.onvif_url = b.onvifUrl;
  }
  if (b.onvifPassword !== undefined)
    out.onvif_password_enc = encrypt(keyring.credentials, b.onvifPassword, "onvif");
  return out;
}

/** The columns a create or update body sets (only the fields it names). */
export function cameraColumns(b: CameraUpdateBody, keyring: Keyring): CameraUpdate {
  const out: CameraUpdate = {};
  if (b.name !== undefined) out.name = b.name;
  if (b.area !== undefined) out.area = b.area;
  Object.assign(out, urlColumns(b, keyring));
  if (b.analyse !== undefined) out.analyse = b.analyse;
  if (b.onvifUsername !== undefined) out.onvif_username = b.onvifUsername;
  if (b.detectProfile !== undefined) out.detect_profile = b.detectProfile;
  if (b.recordProfile !== undefined) out.record_profile = b.recordProfile;
  if (b.zones !== undefined) out.zones = JSON.stringify(b.zones);
  if (b.privacyMasks !== undefined) out.privacy_masks = JSON.stringify(b.privacyMasks);
  if (b.public !== undefined) out.public = b.public;
  if (b.recordingPolicy !== undefined) out.recording_policy = b.recordingPolicy;
  if (b.clipPreSeconds !== undefined) out.clip_pre_seconds = b.clipPreSeconds;
  if (b.clipPostSeconds !== undefined) out.clip_post_seconds = b.clipPostSeconds;
  if (b.enabled !== undefined) out.enabled = b.enabled;
  return out;
}
