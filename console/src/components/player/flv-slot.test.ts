import { describe, expect, it } from "vitest";
import { acquireFlv, flvHolder, releaseFlv } from "./flv-slot";

describe("one FLV stream per tab", () => {
  it("closes the previous FLV view when another opens, and frees the slot on release", () => {
    const closed: string[] = [];
    const a = { close: () => closed.push("a") };
    const b = { close: () => closed.push("b") };
    acquireFlv(a);
    acquireFlv(a);
    expect(closed).toEqual([]);
    acquireFlv(b);
    expect(closed).toEqual(["a"]);
    expect(flvHolder()).toBe(b);
    releaseFlv(a); // not the holder: nothing happens
    expect(flvHolder()).toBe(b);
    releaseFlv(b);
    expect(flvHolder()).toBeNull();
  });
});
