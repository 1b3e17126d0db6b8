/** The side menu: pages in order, each with its icon; entries a role may not open are left out. */
import {
  Bell,
  Cpu,
  DataAnalysis,
  DataBoard,
  Document,
  Flag,
  Monitor,
  OfficeBuilding,
  User,
  VideoCamera,
} from "@element-plus/icons-vue";
import type { Component } from "vue";
import type { Role } from "@/api/types";
import { inMenu, type PageName } from "@/router/access";

export interface MenuEntry {
  page: PageName;
  path: string;
  icon: Component;
}

const ENTRIES: MenuEntry[] = [
  { page: "dashboard", path: "/dashboard", icon: DataAnalysis },
  { page: "bigscreen", path: "/bigscreen", icon: DataBoard },
  { page: "live", path: "/live", icon: Monitor },
  { page: "alerts", path: "/alerts", icon: Bell },
  { page: "cases", path: "/cases", icon: Document },
  { page: "workshops", path: "/workshops", icon: OfficeBuilding },
  { page: "activities", path: "/activities", icon: Flag },
  { page: "cameras", path: "/cameras", icon: VideoCamera },
  { page: "users", path: "/users", icon: User },
  { page: "system", path: "/system", icon: Cpu },
];

export function menuFor(role: Role | null): MenuEntry[] {
  return ENTRIES.filter((e) => inMenu(role, e.page));
}
