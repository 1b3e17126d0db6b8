/**
 * Which ingest node should run which camera: rendezvous (highest-random-weight) hashing. Every node
 * computes the same answer from the same set of live nodes, with no coordination: camera c goes to the
 * node n with the highest hash(n, c). Adding a node moves exactly the cameras it now wins (its share);
 * removing one moves only its own cameras; all the others stay where they are.
 */
import { createHash } from "node:crypto";

/** The weight of a node for a camera: the first 8 bytes of SHA-256(node ␀ camera), as a bigint. */
export function rendezvousWeight(nodeId: string, cameraId: number): bigint {
  return createHash("sha256").update(`${nodeId}\0${cameraId}`).digest().readBigUInt64BE(0);
}

/** The node that should run this camera, or undefined when no node is live. Ties go to the smaller id. */
export function rendezvousOwner(cameraId: number, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const n of nodes) {
    const w = rendezvousWeight(n, cameraId);
    if (w > bestWeight || (w === bestWeight && best !== undefined && n < best)) {
      best = n;
      bestWeight = w;
    }
  }
  return best;
}

/** Every camera's node: node id → its camera ids (ascending); nodes without a camera are absent. */
export function rendezvousAssign(
  cameraIds: readonly number[],
  nodes: readonly string[],
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const id of [...cameraIds].sort((a, b) => a - b)) {
    const n = rendezvousOwner(id, nodes);
    if (n === undefined) continue;
    const list = out.get(n);
    if (list) list.push(id);
    else out.set(n, [id]);
  }
  return out;
}
