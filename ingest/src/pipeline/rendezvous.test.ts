/**
 * Rendezvous assignment: every node computes the same owner; a joining node takes only the cameras it now
 * wins (every other camera stays put), a leaving node gives away only its own, and the split is fair.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rendezvousAssign, rendezvousOwner } from "./rendezvous.js";

const nodeIds = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9.-]{1,24}$/), { minLength: 1, maxLength: 8 });
const cameraIds = fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 200 });

describe("rendezvous assignment", () => {
  it("does not depend on the order the nodes are listed in", () => {
    fc.assert(
      fc.property(nodeIds, cameraIds, (nodes, cams) => {
        const reversed = [...nodes].reverse();
        for (const c of cams) expect(rendezvousOwner(c, reversed)).toBe(rendezvousOwner(c, nodes));
      }),
    );
  });

  it("a joining node takes only its own share: every other camera keeps its node", () => {
    fc.assert(
      fc.property(nodeIds, cameraIds, fc.stringMatching(/^[A-Za-z0-9.-]{1,24}$/), (nodes, cams, joiner) => {
        fc.pre(!nodes.includes(joiner));
        const after = [...nodes, joiner];
        for (const c of cams) {
          const was = rendezvousOwner(c, nodes);
          const now = rendezvousOwner(c, after);
          // Moved only to the new node, never between the old ones.
          if (now !== was) expect(now).toBe(joiner);
        }
      }),
    );
  });

  it("a leaving node gives away only its own cameras", () => {
    fc.assert(
      fc.property(nodeIds, cameraIds, (nodes, cams) => {
        fc.pre(nodes.length >= 2);
        const gone = nodes[0]!;
        const rest = nodes.slice(1);
        for (const c of cams) {
          const was = rendezvousOwner(c, nodes);
          if (was !== gone) expect(rendezvousOwner(c, rest)).toBe(was);
          else expect(rest).toContain(rendezvousOwner(c, rest));
        }
      }),
    );
  });

  it("assigns every camera exactly once, and splits 3,000 cameras evenly over 3 nodes", () => {
    const cams = Array.from({ length: 3000 }, (_, i) => i + 1);
    const nodes = ["host-a-101-0a0b0c", "host-b-202-1d2e3f", "host-c-303-445566"];
    const split = rendezvousAssign(cams, nodes);
    const all = [...split.values()].flat().sort((a, b) => a - b);
    expect(all).toEqual(cams);
    for (const n of nodes) {
      const share = split.get(n)?.length ?? 0;
      expect(share).toBeGreaterThan(850);
      expect(share).toBeLessThan(1150);
    }
    // A fourth node takes about a quarter, all from the others.
    const four = rendezvousAssign(cams, [...nodes, "host-d-404-778899"]);
    const moved = four.get("host-d-404-778899")?.length ?? 0;
    expect(moved).toBeGreaterThan(600);
    expect(moved).toBeLessThan(900);
    for (const n of nodes) for (const c of four.get(n) ?? []) expect(split.get(n)).toContain(c);
  });

  it("has no owner without live nodes", () => {
    expect(rendezvousOwner(7, [])).toBeUndefined();
    expect(rendezvousAssign([1, 2], []).size).toBe(0);
  });
});
