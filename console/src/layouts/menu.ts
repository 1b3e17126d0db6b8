/** The side menu: pages in order, each with its icon; entries a role may not open are left out. */
import {
  Bell,
  ChatLineSquare,
  Cpu,
  DataAnalysis,
  DataBoard,
  Document,
  Flag,
  Monitor,
  OfficeBuilding,
  Tickets,
  User,
  VideoCamera,
  VideoPlay,
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
  { page: "assessment", path: "/assessment", icon: Tickets },
  { page: "bigscreen", path: "/bigscreen", icon: DataBoard },
  { page: "live", path: "/live", icon: Monitor },
  { page: "recordings", path: "/recordings", icon: VideoPlay },
  { page: "alerts", path: "/alerts", icon: Bell },
  { page: "cases", path: "/cases", icon: Document },
  { page: "workshops", path: "/workshops", icon: OfficeBuilding },
  { page: "activities", path: "/activities", icon: Flag },
  { page: "publicFeedback", path: "/public-feedback", icon: ChatLineSquare },
  { page: "cameras", path: "/cameras", icon: VideoCamera },
  { page: "users", path: "/users", icon: User },
  { page: "system", path: "/system", icon: Cpu },
];

export function menuFor(role: Role | null): MenuEntry[] {
  return ENTRIES.filter((e) => inMenu(role, e.page));
}

/** The menu path of a page (most are `/<page>`; the inbox is `/public-feedback`). */
export function pathOf(page: PageName): string {
  return ENTRIES.find((e) => e.page === page)?.path ?? `/${page}`;
}
