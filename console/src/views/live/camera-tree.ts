/**
 * The tree of the wall: stations → workshops → cameras, with online/total counts at each level, built
 * from the lists the user may see. A station user sees its station only; the bureau sees every station,
 * including those without cameras yet. A filter keeps the branches whose names match.
 */
import type { CameraView, StationView, WorkshopView } from "@/api/types";

export type CameraState = "online" | "offline" | "stalled" | "disabled" | "unknown";

export interface TreeNode {
  key: string;
  kind: "station" | "workshop" | "camera";
  id: number;
  /** Short name shown (a workshop without its district and street). */
  label: string;
  /** Full name (tooltip, filter). */
  fullLabel: string;
  online: number;
  total: number;
  /** Cameras only. */
  status?: CameraState;
  children?: TreeNode[];
}

export interface TreeInput {
  stations: readonly StationView[];
  workshops: readonly WorkshopView[];
  cameras: readonly CameraView[];
  status: (cameraId: number) => CameraState;
  /** Only this station (a station user), or all. */
  stationId: number | null;
}

export function buildTree(input: TreeInput): TreeNode[] {
  const camsByWorkshop = new Map<number, CameraView[]>();
  for (const c of input.cameras) {
    const list = camsByWorkshop.get(c.workshopId) ?? [];
    list.push(c);
    camsByWorkshop.set(c.workshopId, list);
  }
  const shopsByStation = new Map<number, WorkshopView[]>();
  for (const w of input.workshops) {
    const list = shopsByStation.get(w.stationId) ?? [];
    list.push(w);
    shopsByStation.set(w.stationId, list);
  }
  const stations =
    input.stationId === null ? input.stations : input.stations.filter((s) => s.id === input.stationId);
  return stations.map((s) => {
    const shops = (shopsByStation.get(s.id) ?? []).map((w) => {
      const cams = (camsByWorkshop.get(w.id) ?? []).map<TreeNode>((c) => {
        const status = c.enabled ? input.status(c.id) : "disabled";
        return {
          key: `c${c.id}`,
          kind: "camera",
          id: c.id,
          label: c.name,
          fullLabel: c.name,
          online: status === "online" ? 1 : 0,
          total: 1,
          status,
        };
      });
      return node(`w${w.id}`, "workshop", w.id, w.name, cams, shortName(w.name));
    });
    return node(`s${s.id}`, "station", s.id, s.name, shops);
  });
}

function node(
  key: string,
  kind: "station" | "workshop",
  id: number,
  fullLabel: string,
  children: TreeNode[],
  label = fullLabel,
): TreeNode {
  return {
    key,
    kind,
    id,
    label,
    fullLabel,
    online: children.reduce((n, c) => n + c.online, 0),
    total: children.reduce((n, c) => n + c.total, 0),
    children,
  };
}

/** Totals over the whole tree. */
export function totals(tree: readonly TreeNode[]): { online: number; total: number } {
  return {
    online: tree.reduce((n, s) => n + s.online, 0),
    total: tree.reduce((n, s) => n + s.total, 0),
  };
}

/** Whether a node or one of its ancestors' names contains the text (el-tree's filter-node-method). */
export function matches(text: string, labels: readonly string[]): boolean {
  const q = text.trim().toLowerCase();
  return !q || labels.some((l) => l.toLowerCase().includes(q));
}

/**
 * A workshop's name without the district and street or town it starts with (章丘区明水街道老黄家烤肉加工坊
 * → 老黄家烤肉加工坊): the tree and the tiles are narrow, and the station is already known there.
 */
export function shortName(name: string): string {
  const rest = name.replace(/^章丘区/, "").replace(/^.{1,6}?(街道|镇)/, "");
  return rest.length >= 2 ? rest : name;
}

/** Keys to open at first: a lone station, and every station and workshop with a camera online. */
export function expandedKeys(tree: readonly TreeNode[]): string[] {
  const keys: string[] = [];
  for (const s of tree) {
    if (s.online > 0 || tree.length === 1) keys.push(s.key);
    for (const w of s.children ?? []) if (w.online > 0) keys.push(w.key);
  }
  return keys;
}
