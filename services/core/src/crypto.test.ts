import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decrypt, deriveKey, encrypt, Keyring, loadOrCreateSecret, maskCameraUrl } from "./crypto.js";

describe("credential sealing", () => {
  const key = deriveKey("x".repeat(40), "credentials");

  it("round-trips and never contains the plaintext", () => {
    const url = "rtsp://admin:s3cret-pw@10.1.2.3:554/Streaming/Channels/101";
    const sealed = encrypt(key, url);
    expect(sealed).not.toContain("s3cret");
    expect(decrypt(key, sealed)).toBe(url);
    expect(encrypt(key, url)).not.toBe(sealed); // a fresh IV each time
  });

  it("refuses a tampered value, a wrong key and a wrong purpose", () => {
    const sealed = encrypt(key, "rtsp://a:b@h/x");
    const parts = sealed.split(".");
    const ct = Buffer.from(parts[3]!, "base64url");
    ct[0] = (ct[0] ?? 0) ^ 1;
    parts[3] = ct.toString("base64url");
    expect(() => decrypt(key, parts.join("."))).toThrow();
    expect(() => decrypt(deriveKey("y".repeat(40), "credentials"), sealed)).toThrow();
    expect(() => decrypt(key, sealed, "onvif")).toThrow();
  });

  it("derives different keys per purpose", () => {
    const k = new Keyring("z".repeat(40));
    expect(k.credentials.equals(k.session)).toBe(false);
    expect(k.credentials.equals(k.mediaToken)).toBe(false);
  });
});

describe("maskCameraUrl", () => {
  it.each([
    ["rtsp://admin:pw@192.168.1.10:554/h264", "rtsp://***@192.168.1.10:554/h264"],
    ["rtsp://admin@cam.local/live", "rtsp://***@cam.local/live"],
    ["rtsp://cam.local/live", "rtsp://cam.local/live"],
    ["http://cam/snap.jpg?user=admin&pwd=123", "http://cam/snap.jpg?user=***&pwd=***"],
    ["not a url", "***"],
  ])("%s → %s", (input, out) => {
    expect(maskCameraUrl(input)).toBe(out);
  });
});

describe("loadOrCreateSecret", () => {
  it("generates a 0600 secret once and reuses it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mf-secret-"));
    const a = loadOrCreateSecret(undefined, dir);
    expect(a.generated).toBe(true);
    expect(statSync(path.join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    const b = loadOrCreateSecret(undefined, dir);
    expect(b).toEqual({ secret: a.secret, generated: false });
    expect(readFileSync(path.join(dir, "secret.key"), "utf8").trim()).toBe(a.secret);
    expect(loadOrCreateSecret("c".repeat(32), dir)).toEqual({ secret: "c".repeat(32), generated: false });
  });
});
