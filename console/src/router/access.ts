/**
 * Which role may open which page: one table, read by the router guard and by the side menu, so that a
 * menu entry and its page can never disagree. The API enforces the same rules (docs/rbac.md); this
 * only keeps users away from pages that would answer 403.
 */
import type { Role } from "@/api/types";

export const ALL_ROLES: readonly Role[] = [
  "bureau_admin",
  "station_staff",
  "duty_officer",
  "brigade_officer",
];
const STATION_ROLES: readonly Role[] = ["bureau_admin", "station_staff", "duty_officer"];

export const PAGE_ROLES = {
  dashboard: ALL_ROLES,
  assessment: STATION_ROLES,
  live: STATION_ROLES,
  /** Playback of recordings (recording.view): who may watch the station's live video. */
  recordings: STATION_ROLES,
  /** The wall display plays live video: who may watch it (a station's user sees its own station). */
  bigscreen: STATION_ROLES,
  alerts: STATION_ROLES,
  cases: ALL_ROLES,
  workshops: ALL_ROLES,
  cameras: ["bureau_admin", "station_staff"],
  activities: ["bureau_admin", "station_staff"],
  // Citizens' feedback on the station's demonstration sites (public_feedback.read / .handle).
  publicFeedback: STATION_ROLES,
  users: ["bureau_admin"],
  system: ["bureau_admin"],
  password: ALL_ROLES,
} as const satisfies Record<string, readonly Role[]>;

export type PageName = keyof typeof PAGE_ROLES;

/** Pages whose menu entry only some of the roles that may open them see (others open them from a page). */
const MENU_ROLES: Partial<Record<PageName, readonly Role[]>> = {
  // The bureau's wall display is in its menu; a station's user opens it from its dashboard.
  bigscreen: ["bureau_admin"],
};

export function inMenu(role: Role | null | undefined, page: PageName): boolean {
  const only = MENU_ROLES[page];
  return mayOpen(role, page) && (!only || (!!role && only.includes(role)));
}

export function mayOpen(role: Role | null | undefined, page: PageName): boolean {
  return !!role && (PAGE_ROLES[page] as readonly Role[]).includes(role);
}

/**
 * Where a role lands after sign-in. The bureau supervises eighteen stations against the plan's targets:
 * it lands on the dashboard. The brigade works its queue of handed-over cases: it lands there (the
 * dashboard is one click away). Station roles watch their cameras: the live wall.
 */
export function homeOf(role: Role): PageName {
  if (role === "bureau_admin") return "dashboard";
  return role === "brigade_officer" ? "cases" : "live";
}
