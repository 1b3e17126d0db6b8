/**
 * The alert centre's list logic, pure and tested: which alerts a filter keeps, merging live and fetched
 * alerts (one row per id, the newest `updatedAt` wins, newest first as the API orders them), what an
 * event payload says, and what makes a row stand out (escalated, overdue) and its time to acknowledge.
 */
import type { AlertListQuery, AlertView } from "@/api/types";

/** The filters of the page: the API's list query without paging. */
export type AlertFilter = Omit<AlertListQuery, "page" | "pageSize">;

/** The fields of an alert a filter looks at (an event payload carries them all). */
export type FilterableAlert = Pick<
  AlertView,
  "stationId" | "workshopId" | "cameraId" | "status" | "type" | "grade" | "createdAt" | "escalatedAt"
>;

const OPEN_STATES: readonly string[] = ["new", "acknowledged"];

/** Does this alert belong in a list with this filter (the same rules as the API's list query)? */
export function matchesFilter(a: FilterableAlert, f: AlertFilter): boolean {
  if (f.stationId !== undefined && a.stationId !== f.stationId) return false;
  if (f.workshopId !== undefined && a.workshopId !== f.workshopId) return false;
  if (f.cameraId !== undefined && a.cameraId !== f.cameraId) return false;
  if (f.status !== undefined && a.status !== f.status) return false;
  if (f.open && !OPEN_STATES.includes(a.status)) return false;
  if (f.type !== undefined && a.type !== f.type) return false;
  if (f.grade !== undefined && a.grade !== f.grade) return false;
  if (f.escalated !== undefined && (a.escalatedAt !== null) !== f.escalated) return false;
  const created = Date.parse(a.createdAt);
  if (f.from !== undefined && created < Date.parse(f.from)) return false;
  if (f.to !== undefined && created >= Date.parse(f.to)) return false;
  return true;
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NEGATIVE_INFINITY);

/** The API's order: newest `createdAt` first, then by id. */
export function compareAlerts(a: AlertView, b: AlertView): number {
  const d = time(b.createdAt) - time(a.createdAt);
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Of two versions of one alert, the one to keep: the newer `updatedAt`; on a tie the incoming one. */
export function newer(current: AlertView, incoming: AlertView): AlertView {
  return time(incoming.updatedAt) >= time(current.updatedAt) ? incoming : current;
}

/**
 * Merge alerts into a list: one row per id (the newest version), ordered as the API orders them.
 * `limit` keeps the first rows only (a page that grew at the top drops its last rows).
 */
export function mergeAlerts(list: readonly AlertView[], incoming: readonly AlertView[], limit?: number) {
  const byId = new Map<string, AlertView>();
  for (const a of [...list, ...incoming]) {
    const had = byId.get(a.id);
    byId.set(a.id, had ? newer(had, a) : a);
  }
  const out = [...byId.values()].sort(compareAlerts);
  return limit !== undefined ? out.slice(0, limit) : out;
}

/** How many of `incoming` are not in `list` yet (the page's total grows by that many). */
export function countNew(list: readonly AlertView[], incoming: readonly AlertView[]): number {
  const ids = new Set(list.map((a) => a.id));
  return new Set(incoming.filter((a) => !ids.has(a.id)).map((a) => a.id)).size;
}

/** The alert id an `alert.*` event is about (its payload is a summary, not a full view). */
export function payloadAlertId(payload: Record<string, unknown>): string | null {
  return typeof payload.id === "string" && payload.id.length > 0 ? payload.id : null;
}

/** A new alert past its limit to acknowledge: overdue (the server escalates it shortly after). */
export function isOverdue(
  a: Pick<AlertView, "status" | "escalationDueAt">,
  now: number = Date.now(),
): boolean {
  return a.status === "new" && a.escalationDueAt !== null && time(a.escalationDueAt) <= now;
}

export function isEscalated(a: Pick<AlertView, "escalatedAt">): boolean {
  return a.escalatedAt !== null;
}

/**
 * Seconds to acknowledge: `acknowledgedAt - createdAt`; for a new alert its running age; null for an
 * alert closed without an acknowledgement (the system resolved it).
 */
export function ackSeconds(
  a: Pick<AlertView, "status" | "createdAt" | "acknowledgedAt">,
  now: number = Date.now(),
): { seconds: number; running: boolean } | null {
  const created = time(a.createdAt);
  if (a.acknowledgedAt)
    return { seconds: Math.max(0, (time(a.acknowledgedAt) - created) / 1000), running: false };
  if (a.status === "new") return { seconds: Math.max(0, (now - created) / 1000), running: true };
  return null;
}

/** The row's class: escalated rows and overdue rows stand out. */
export function rowClass(a: AlertView, now: number = Date.now()): string {
  if (a.status === "new" && isEscalated(a)) return "mf-alert-escalated";
  if (isOverdue(a, now)) return "mf-alert-overdue";
  return "";
}

type TagType = "danger" | "warning" | "info" | "success" | "primary";

/** Grade 1 acts now (red), 2 soon (orange), 3 is routine (grey). */
export function gradeTagType(grade: number): TagType {
  return grade === 1 ? "danger" : grade === 2 ? "warning" : "info";
}

export function statusTagType(status: string): TagType {
  switch (status) {
    case "new":
      return "danger";
    case "acknowledged":
      return "warning";
    case "case_opened":
      return "primary";
    case "resolved":
      return "success";
    default:
      return "info";
  }
}

/** The events of an alert's life, oldest first, for the detail's history (from the view's fields). */
export interface AlertHistoryEntry {
  kind: "created" | "repeated" | "due" | "escalated" | "acknowledged" | "closed";
  at: string;
  note?: string | null;
  /** For `due`: the limit has not passed yet. */
  pending?: boolean;
}

export function alertHistory(a: AlertView, now: number = Date.now()): AlertHistoryEntry[] {
  const out: AlertHistoryEntry[] = [{ kind: "created", at: a.createdAt }];
  if (a.repeatCount > 0 && a.lastSeenAt) out.push({ kind: "repeated", at: a.lastSeenAt });
  if (a.escalationDueAt && !a.escalatedAt && a.status === "new")
    out.push({ kind: "due", at: a.escalationDueAt, pending: time(a.escalationDueAt) > now });
  if (a.escalatedAt) out.push({ kind: "escalated", at: a.escalatedAt });
  if (a.acknowledgedAt) out.push({ kind: "acknowledged", at: a.acknowledgedAt, note: a.ackNote });
  if (a.closedAt) out.push({ kind: "closed", at: a.closedAt, note: a.closeNote });
  return out.sort((x, y) => time(x.at) - time(y.at));
}
