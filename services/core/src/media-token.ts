/**
 * Short-lived signed media tokens: HMAC-SHA256 over the camera id and the expiry, under a key derived
 * from MINGFANG_SECRET. Token form: `<expiry unix seconds>.<hex signature>`.
 */
import { hmacHex, safeEqualHex } from "./crypto.js";

export function signMediaToken(key: Buffer, cameraId: number, ttlSeconds: number, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return `${exp}.${hmacHex(key, `hls:${cameraId}:${exp}`)}`;
}

export type MediaTokenCheck = "ok" | "missing" | "malformed" | "expired" | "forged";

export function verifyMediaToken(
  key: Buffer,
  cameraId: number,
  token: string | undefined,
  now = Date.now(),
): MediaTokenCheck {
  if (!token) return "missing";
  const m = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return "malformed";
  const exp = Number(m[1]);
  if (!safeEqualHex(m[2]!, hmacHex(key, `hls:${cameraId}:${exp}`))) return "forged";
  if (exp * 1000 <= now) return "expired";
  return "ok";
}
