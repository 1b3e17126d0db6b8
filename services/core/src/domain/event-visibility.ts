/**
 * Who may receive which event on the WebSocket: the same policy as REST (rbac.ts), applied to the
 * event's station and, for cases, its brigade assignment. Pure.
 */
import type { EventKind } from "../contracts/events.js";
import { type Action, authorize, type Principal } from "../policy/rbac.js";

const ACTION_OF: Record<string, Action> = {
  alert: "alert.read",
  case: "case.read",
  camera: "camera.read",
  public_feedback: "public_feedback.read",
};

export interface VisibleEvent {
  kind: EventKind | string;
  stationId: number | null;
  payload: Record<string, unknown>;
}

export function canSeeEvent(p: Principal, e: VisibleEvent): boolean {
  const action = ACTION_OF[e.kind.split(".")[0] ?? ""];
  // An event of a kind nobody mapped yet goes to the bureau only.
  if (!action) return p.role === "bureau_admin";
  return (
    authorize(p, action, { stationId: e.stationId, assignedBrigade: e.payload.assignedBrigade === true }) ===
    "allow"
  );
}
