import { describe, expect, it } from "vitest";
import type { CameraView, StationView, WorkshopView } from "@/api/types";
import { buildTree, expandedKeys, matches, shortName, totals } from "./camera-tree";

const station = (id: number, name: string) => ({ id, name }) as StationView;
const shop = (id: number, stationId: number, name: string) => ({ id, stationId, name }) as WorkshopView;
const cam = (id: number, workshopId: number, enabled = true) =>
  ({ id, workshopId, name: `cam${id}`, enabled }) as CameraView;

const input = {
  stations: [station(1, "明水所"), station(2, "双山所"), station(3, "刁镇所")],
  workshops: [shop(10, 1, "老黄家"), shop(11, 1, "王记"), shop(20, 2, "刘家")],
  cameras: [cam(1, 10), cam(2, 10, false), cam(3, 11), cam(4, 20)],
  status: (id: number) => (id === 1 || id === 4 ? ("online" as const) : ("offline" as const)),
};

describe("camera tree", () => {
  it("counts online and total cameras per workshop and station; disabled cameras are never online", () => {
    const tree = buildTree({ ...input, stationId: null });
    expect(tree.map((s) => [s.label, s.online, s.total])).toEqual([
      ["明水所", 1, 3],
      ["双山所", 1, 1],
      ["刁镇所", 0, 0],
    ]);
    const w10 = tree[0]?.children?.[0];
    expect(w10?.children?.map((c) => [c.id, c.status])).toEqual([
      [1, "online"],
      [2, "disabled"],
    ]);
    expect(totals(tree)).toEqual({ online: 2, total: 4 });
  });

  it("shows a station user its own station only", () => {
    const tree = buildTree({ ...input, stationId: 1 });
    expect(tree.map((s) => s.label)).toEqual(["明水所"]);
  });

  it("filters on a node's name or its parents' names", () => {
    expect(matches("明水", ["cam1", "老黄家", "明水所"])).toBe(true);
    expect(matches(" CAM1 ", ["cam1"])).toBe(true);
    expect(matches("双山", ["cam1", "老黄家", "明水所"])).toBe(false);
    expect(matches("", ["x"])).toBe(true);
  });
});

describe("workshop names and first expansion", () => {
  it("drops the district and the street or town", () => {
    expect(shortName("章丘区明水街道老黄家烤肉加工坊")).toBe("老黄家烤肉加工坊");
    expect(shortName("章丘区刁镇陈家豆腐皮加工坊")).toBe("陈家豆腐皮加工坊");
    expect(shortName("章丘区相公庄街道郭家豆腐皮作坊")).toBe("郭家豆腐皮作坊");
    expect(shortName("老字号")).toBe("老字号");
    expect(shortName("章丘区明水街道")).toBe("章丘区明水街道");
  });

  it("opens a lone station, and the stations and workshops with a camera online", () => {
    const all = buildTree({ ...input, stationId: null });
    expect(expandedKeys(all)).toEqual(["s1", "w10", "s2", "w20"]);
    const own = buildTree({ ...input, stationId: 1, status: () => "offline" as const });
    expect(expandedKeys(own)).toEqual(["s1"]);
  });
});
