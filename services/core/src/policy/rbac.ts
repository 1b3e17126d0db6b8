/**
 * Role-based access policy: a pure module, no I/O. Every route asks it; a table-driven test walks
 * every role × action × own/other station.
 *
 * Outcomes: `allow`; `forbidden` (the role may never do this → 403); `not_found` (the resource belongs
 * to a scope the user cannot see → 404, so its existence does not leak).
 */
import type { Role } from "../domain/vocabulary.js";

export interface Principal {
  id: number;
  username: string;
  role: Role;
  stationId: number | null;
}

export const ACTIONS = [
  "station.read",
  "workshop.read",
  "workshop.create",
  "workshop.update",
  "workshop.delete",
  "camera.read",
  "camera.create",
  "camera.update",
  "camera.delete",
  "camera.live",
  "alert.read",
  "alert.acknowledge",
  "case.read",
  "case.create",
  "case.update",
  "user.manage",
  "audit.read",
  "system.read",
  "plan.update",
  "dashboard.read",
  "public_feedback.read",
  "public_feedback.handle",
  "recording.view",
  "recording.download",
] as const;
export type Action = (typeof ACTIONS)[number];

/** Which stations a role reaches for an action: every station, its own, the brigade's cases, or none. */
type Reach = "all" | "own" | "brigade" | "none";

const STATION_WIDE: Record<Role, Partial<Record<Action, Reach>>> = {
  bureau_admin: Object.fromEntries(ACTIONS.map((a) => [a, "all"])) as Record<Action, Reach>,
  station_staff: {
    "station.read": "all",
    "workshop.read": "own",
    "workshop.create": "own",
    "workshop.update": "own",
    "camera.read": "own",
    "camera.create": "own",
    "camera.update": "own",
    "camera.live": "own",
    "alert.read": "own",
    "case.read": "own",
    "case.create": "own",
    "case.update": "own",
    // The plan's targets (demonstration titles, upgrades, association activities) are the station's work.
    "plan.update": "own",
    "dashboard.read": "own",
    // Citizens' feedback on the station's demonstration sites (公众留言): the station answers it.
    "public_feedback.read": "own",
    "public_feedback.handle": "own",
    // Recordings (issue 14): whoever watches the station's live video may play back and download it.
    "recording.view": "own",
    "recording.download": "own",
  },
  duty_officer: {
    "station.read": "all",
    "workshop.read": "own",
    "camera.read": "own",
    "camera.live": "own",
    "alert.read": "own",
    "alert.acknowledge": "own",
    "case.read": "own",
    "case.create": "own",
    "case.update": "own",
    "dashboard.read": "own",
    "public_feedback.read": "own",
    "public_feedback.handle": "own",
    "recording.view": "own",
    "recording.download": "own",
  },
  brigade_officer: {
    "station.read": "all",
    // The brigade is dispatched district-wide: it may look up any workshop and camera, read-only.
    "workshop.read": "all",
    "camera.read": "all",
    "case.read": "brigade",
    "case.update": "brigade",
    "dashboard.read": "all",
  },
};

export type Decision = "allow" | "forbidden" | "not_found";

export interface ResourceScope {
  stationId: number | null;
  /** For cases: assigned to the enforcement brigade. */
  assignedBrigade?: boolean;
}

export function reach(p: Principal, action: Action): Reach {
  return STATION_WIDE[p.role][action] ?? "none";
}

/** Decide one action on one resource (or on the collection when `resource` is omitted). */
export function authorize(p: Principal, action: Action, resource?: ResourceScope): Decision {
  const r = reach(p, action);
  if (r === "none") return "forbidden";
  if (!resource || r === "all") return "allow";
  if (r === "own") return p.stationId !== null && resource.stationId === p.stationId ? "allow" : "not_found";
  // brigade
  return resource.assignedBrigade === true ? "allow" : "not_found";
}

/** The filter a list must apply: all rows, the rows of these stations, brigade rows, or nothing. */
export type ListScope =
  | { kind: "all" }
  | { kind: "stations"; ids: number[] }
  | { kind: "brigade" }
  | { kind: "none" };

export function listScope(p: Principal, action: Action): ListScope {
  const r = reach(p, action);
  switch (r) {
    case "all":
      return { kind: "all" };
    case "own":
      return p.stationId === null ? { kind: "none" } : { kind: "stations", ids: [p.stationId] };
    case "brigade":
      return { kind: "brigade" };
    default:
      return { kind: "none" };
  }
}

/** A user's role and station must agree: station roles need a station, the others have none. */
export function roleNeedsStation(role: Role): boolean {
  return role === "station_staff" || role === "duty_officer";
}
