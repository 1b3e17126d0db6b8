/**
 * Short-lived signed media tokens: HMAC-SHA256 over the camera id and the expiry, under a key derived
 * from MINGFANG_SECRET. Token form: `<expiry unix seconds>.<hex signature>`.
 */
import { createHash, hkdfSync } from "node:crypto";
import { hmacHex, type Keyring, safeEqualHex } from "./crypto.js";

export function signMediaToken(key: Buffer, cameraId: number, ttlSeconds: number, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return `${exp}.${hmacHex(key, `hls:${cameraId}:${exp}`)}`;
}

export type MediaTokenCheck = "ok" | "missing" | "malformed" | "expired" | "forged";

/** `<expiry>.<HMAC-SHA256 hex of message(expiry)>`: checked in constant time, then for expiry. */
function verifyExpiring(
  key: Buffer,
  message: (exp: number) => string,
  token: string | undefined,
  now: number,
): MediaTokenCheck {
  if (!token) return "missing";
  const m = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return "malformed";
  const exp = Number(m[1]);
  if (!safeEqualHex(m[2] as string, hmacHex(key, message(exp)))) return "forged";
  if (exp * 1000 <= now) return "expired";
  return "ok";
}

export function verifyMediaToken(
  key: Buffer,
  cameraId: number,
  token: string | undefined,
  now = Date.now(),
): MediaTokenCheck {
  return verifyExpiring(key, (exp) => `hls:${cameraId}:${exp}`, token, now);
}

/** What a recording token grants: one camera's recording between two instants, to one user. */
export interface RecordingGrant {
  cameraId: number;
  /** Unix milliseconds. */
  from: number;
  to: number;
  userId: number;
}

const recordingMessage = (g: RecordingGrant, exp: number) =>
  `rec:${g.cameraId}:${g.from}:${g.to}:${g.userId}:${exp}`;

/**
 * Playback and download of recordings: `<expiry>.<HMAC over camera, span, user and expiry>`. The span and
 * the user travel as query parameters beside it, so the server can audit who fetched what.
 */
export function signRecordingToken(
  key: Buffer,
  g: RecordingGrant,
  ttlSeconds: number,
  now = Date.now(),
): string {
  const exp = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return `${exp}.${hmacHex(key, recordingMessage(g, exp))}`;
}

export function verifyRecordingToken(
  key: Buffer,
  g: RecordingGrant,
  token: string | undefined,
  now = Date.now(),
): MediaTokenCheck {
  return verifyExpiring(key, (exp) => recordingMessage(g, exp), token, now);
}

/** An alert's clip: `<expiry>.<HMAC over "clip:<alert id>:<expiry>">`. */
export function signClipToken(key: Buffer, alertId: string, ttlSeconds: number, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return `${exp}.${hmacHex(key, `clip:${alertId}:${exp}`)}`;
}

export function verifyClipToken(
  key: Buffer,
  alertId: string,
  token: string | undefined,
  now = Date.now(),
): MediaTokenCheck {
  return verifyExpiring(key, (exp) => `clip:${alertId}:${exp}`, token, now);
}

/**
 * RTMP publish keys (node-media-server's own MD5 signing is not used): `<expiry>.<HMAC-SHA256 over
 * "rtmp:<stream path>:<expiry>">`, given as `?key=` on the publish URL. The ingest signs the streams it
 * republishes; a push camera gets a long-lived key for its own path.
 */
export function signPublishKey(
  key: Buffer,
  streamPath: string,
  ttlSeconds: number,
  now = Date.now(),
): string {
  const exp = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return `${exp}.${hmacHex(key, `rtmp:${streamPath}:${exp}`)}`;
}

export function verifyPublishKey(
  key: Buffer,
  streamPath: string,
  token: string | undefined,
  now = Date.now(),
): MediaTokenCheck {
  return verifyExpiring(key, (exp) => `rtmp:${streamPath}:${exp}`, token, now);
}

/** node-media-server's play secret, derived from MINGFANG_SECRET's media-token key. */
export function nmsPlaySecret(keyring: Keyring): string {
  return Buffer.from(hkdfSync("sha256", keyring.mediaToken, "mingfang", "mingfang/nms-play/v1", 24)).toString(
    "hex",
  );
}

/** node-media-server's own play signature (`sign=<exp>-<md5>`), for our internal hops only. */
export function nmsPlaySign(streamPath: string, playSecret: string, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + 24 * 3600;
  return `${exp}-${createHash("md5").update(`${streamPath}-${exp}-${playSecret}`).digest("hex")}`;
}

/** The FLV URL of a stream on node-media-server's HTTP port, with its play signature (internal hop). */
export function nmsFlvUrl(
  httpPort: number,
  streamPath: string,
  playSecret: string,
  now = Date.now(),
): string {
  const exp = Math.floor(now / 1000) + 3600;
  const sign = createHash("md5").update(`${streamPath}-${exp}-${playSecret}`).digest("hex");
  return `http://127.0.0.1:${httpPort}${streamPath}.flv?sign=${exp}-${sign}`;
}

/** Where the ingest republishes camera N for FLV live view. */
export const cameraStreamPath = (cameraId: number) => `/live/cam-${cameraId}`;

/** Where an RTMP push camera publishes; its row's sourceUrl points the ingest there. */
export const pushStreamPath = (cameraId: number) => `/live/push-${cameraId}`;
