import { describe, expect, it } from "vitest";
import { deriveKey } from "./crypto.js";
import { signMediaToken, verifyMediaToken } from "./media-token.js";

describe("media tokens", () => {
  const key = deriveKey("m".repeat(40), "media-token");
  const now = 1_800_000_000_000;

  it("accepts its own token for its camera until it expires", () => {
    const t = signMediaToken(key, 7, 60, now);
    expect(verifyMediaToken(key, 7, t, now)).toBe("ok");
    expect(verifyMediaToken(key, 7, t, now + 59_000)).toBe("ok");
    expect(verifyMediaToken(key, 7, t, now + 61_000)).toBe("expired");
  });

  it("refuses missing, malformed, forged and other cameras' tokens", () => {
    const t = signMediaToken(key, 7, 60, now);
    expect(verifyMediaToken(key, 7, undefined, now)).toBe("missing");
    expect(verifyMediaToken(key, 7, "abc", now)).toBe("malformed");
    expect(verifyMediaToken(key, 8, t, now)).toBe("forged");
    const [exp, sig] = t.split(".");
    expect(verifyMediaToken(key, 7, `${Number(exp) + 3600}.${sig}`, now)).toBe("forged");
    expect(verifyMediaToken(deriveKey("n".repeat(40), "media-token"), 7, t, now)).toBe("forged");
  });
});
