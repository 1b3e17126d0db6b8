import { describe, expect, it } from "vitest";
import { decodeBaselines, encodeBaselines } from "./baseline.store.js";

describe("baseline records", () => {
  it("round-trip, and an unreadable record means: learn again", () => {
    const b = {
      地面: {
        width: 2,
        height: 2,
        samples: [Uint8Array.from([1, 2, 3, 4]), Uint8Array.from([5, 6, 7, 8])],
        valid: [Uint8Array.from([1, 1, 0, 1]), Uint8Array.from([1, 1, 1, 1])],
      },
      台面: { width: 1, height: 1, samples: [Uint8Array.from([9])], valid: [Uint8Array.from([1])] },
    };
    const enc = encodeBaselines(b);
    expect(decodeBaselines(enc)).toEqual(b);
    expect(decodeBaselines(enc.subarray(0, enc.length - 3))).toBeUndefined();
    expect(decodeBaselines(Buffer.from("garbage"))).toBeUndefined();
  });
});
