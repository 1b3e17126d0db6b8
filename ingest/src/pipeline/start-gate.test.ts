import { describe, expect, it } from "vitest";
import { StartGate } from "./start-gate.js";

describe("StartGate", () => {
  it("lets at most `limit` holders in, in arrival order", async () => {
    const gate = new StartGate(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const all = [1, 2, 3, 4].map((i) =>
      gate.acquire().then((release) => {
        order.push(i);
        releases.push(release);
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([1, 2]);
    expect(gate.waiting).toBe(2);
    releases[0]!();
    releases[0]!(); // twice: no extra slot
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([1, 2, 3]);
    expect(gate.starting).toBe(2);
    releases[1]!();
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3, 4]);
  });
});
