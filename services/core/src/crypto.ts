/**
 * The platform secret and what is derived from it: AES-256-GCM for credentials at rest, HMAC keys for
 * session and media tokens. One master secret; separate keys per purpose through HKDF.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Read MINGFANG_SECRET, else DATA_DIR/secret.key, else generate that file (mode 0600). */
export function loadOrCreateSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; generated: boolean } {
  if (configured) return { secret: configured, generated: false };
  const file = path.join(dataDir, "secret.key");
  if (existsSync(file)) {
    const s = readFileSync(file, "utf8").trim();
    if (s.length < 32) throw new Error(`${file}: the stored secret is shorter than 32 characters`);
    return { secret: s, generated: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const s = randomBytes(32).toString("base64url");
  writeFileSync(file, `${s}\n`, { mode: 0o600, flag: "wx" });
  return { secret: s, generated: true };
}

export type KeyPurpose = "credentials" | "media-token" | "session" | "public-ip";

export function deriveKey(secret: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "mingfang", `mingfang/${purpose}/v1`, 32));
}

export class Keyring {
  readonly credentials: Buffer;
  readonly mediaToken: Buffer;
  readonly session: Buffer;
  /** Salts the hash of a citizen's IP address (public feedback, public rate limits): never stored in clear. */
  readonly publicIp: Buffer;
  constructor(secret: string) {
    this.credentials = deriveKey(secret, "credentials");
    this.mediaToken = deriveKey(secret, "media-token");
    this.session = deriveKey(secret, "session");
    this.publicIp = deriveKey(secret, "public-ip");
  }
}

const VERSION = "v1";

/** AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>`, base64url parts; the associated data binds the purpose. */
export function encrypt(key: Buffer, plaintext: string, aad = "camera"): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  return [
    VERSION,
    iv.toString("base64url"),
    c.getAuthTag().toString("base64url"),
    ct.toString("base64url"),
  ].join(".");
}

export function decrypt(key: Buffer, sealed: string, aad = "camera"): string {
  const [v, iv, tag, ct] = sealed.split(".");
  if (v !== VERSION || !iv || !tag || ct === undefined) throw new Error("sealed value: unknown format");
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([d.update(Buffer.from(ct, "base64url")), d.final()]).toString("utf8");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function hmacHex(key: Buffer, data: string): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

export function safeEqualHex(a: string, b: string): boolean {
  const ba = Buffer.from(a, "hex");
  const bb = Buffer.from(b, "hex");
  return ba.length === bb.length && ba.length > 0 && timingSafeEqual(ba, bb);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * Display form of a camera URL: user info replaced by `***`, and secret-looking query parameters
 * (password, pwd, token, key…) blanked. `rtsp://u:p@host/x` → `rtsp://***@host/x`.
 */
export function maskCameraUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "***";
  }
  const hadUser = u.username !== "" || u.password !== "";
  u.username = "";
  u.password = "";
  for (const k of [...u.searchParams.keys()]) {
    if (/pass|pwd|token|key|secret|auth|user/i.test(k)) u.searchParams.set(k, "***");
  }
  let s = u.toString();
  if (hadUser) s = s.replace(/^([a-z][a-z0-9+.-]*:\/\/)/i, "$1***@");
  return s.replace(/%2A%2A%2A/g, "***");
}
