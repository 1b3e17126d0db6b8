import { describe, expect, it } from "vitest";
import { type PublicCameraAnswer, PublicCameraCache } from "./public-camera.cache.js";

describe("PublicCameraCache", () => {
  const setup = (ttl = 1_000, max = 3) => {
    let t = 0;
    let gen = 0;
    const calls: number[] = [];
    const truth = new Map<number, PublicCameraAnswer>([[1, { id: 1, masked: false }]]);
    const cache = new PublicCameraCache(
      async (id) => {
        calls.push(id);
        return truth.get(id);
      },
      ttl,
      max,
      () => t,
      () => gen,
    );
    return { cache, calls, truth, advance: (ms: number) => (t += ms), bump: () => gen++ };
  };

  it("asks the database once per camera per second, unknown ids included", async () => {
    const { cache, calls, advance } = setup();
    expect(await cache.get(1)).toEqual({ id: 1, masked: false });
    expect(await cache.get(1)).toEqual({ id: 1, masked: false });
    expect(await cache.get(9)).toBeUndefined();
    expect(await cache.get(9)).toBeUndefined();
    expect(calls).toEqual([1, 9]);
    advance(999);
    await cache.get(1);
    expect(calls).toEqual([1, 9]);
  });

  it("sees a change once the entry is older than the time to live", async () => {
    const { cache, truth, advance } = setup();
    await cache.get(1);
    truth.set(1, { id: 1, masked: true });
    advance(1_000);
    expect(await cache.get(1)).toEqual({ id: 1, masked: true });
    truth.delete(1);
    advance(1_000);
    expect(await cache.get(1)).toBeUndefined();
  });

  it("drops its entries when this process publishes a camera change", async () => {
    const { cache, truth, bump } = setup();
    await cache.get(1);
    truth.set(1, { id: 1, masked: true });
    expect(await cache.get(1)).toEqual({ id: 1, masked: false });
    bump();
    expect(await cache.get(1)).toEqual({ id: 1, masked: true });
  });

  it("stays bounded: a scan of many ids does not grow it past its limit", async () => {
    const { cache, calls } = setup(1_000, 3);
    for (let id = 100; id < 110; id++) await cache.get(id);
    // Cleared when full: the first ids are asked again.
    await cache.get(100);
    expect(calls.filter((id) => id === 100)).toHaveLength(2);
  });
});
