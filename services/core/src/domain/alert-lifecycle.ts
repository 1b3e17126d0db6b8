/**
 * The alert lifecycle: a pure state machine, no I/O.
 *
 *   new ──acknowledge──▶ acknowledged ──mark_false_positive──▶ false_positive
 *    │                        ├────────open_case───────────▶ case_opened
 *    │                        └────────resolve─────────────▶ resolved
 *    ├──open_case──▶ case_opened   (opening a case is an acknowledgement in itself)
 *    └──auto_resolve (system only, e.g. the camera is back online) ──▶ resolved
 *
 * Escalation is not a state: an alert still `new` past its grade's limit gets `escalated_at` and stays
 * `new` until someone acknowledges it.
 */

import type { Action } from "../policy/rbac.js";

export const ALERT_STATES = ["new", "acknowledged", "false_positive", "case_opened", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_ACTIONS = [
  "acknowledge",
  "mark_false_positive",
  "resolve",
  "open_case",
  "auto_resolve",
] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** Open alerts: they hold the cooldown of their camera and type, and can still be escalated. */
export const OPEN_ALERT_STATES: readonly AlertState[] = ["new", "acknowledged"];

export type ActorKind = "user" | "system";

export type AlertTransition =
  | {
      ok: true;
      to: AlertState /** The transition also counts as the acknowledgement. */;
      acknowledges: boolean;
    }
  | { ok: false; reason: "invalid_transition" | "note_required" | "system_only" };

interface Rule {
  from: readonly AlertState[];
  to: AlertState;
  actor: ActorKind | "any";
  noteRequired: boolean;
}

const RULES: Record<AlertAction, Rule> = {
  acknowledge: { from: ["new"], to: "acknowledged", actor: "user", noteRequired: true },
  mark_false_positive: { from: ["acknowledged"], to: "false_positive", actor: "user", noteRequired: false },
  resolve: { from: ["acknowledged"], to: "resolved", actor: "user", noteRequired: false },
  open_case: { from: ["new", "acknowledged"], to: "case_opened", actor: "any", noteRequired: false },
  auto_resolve: { from: ["new", "acknowledged"], to: "resolved", actor: "system", noteRequired: false },
};

export function transitionAlert(
  from: AlertState,
  action: AlertAction,
  ctx: { actor: ActorKind; note?: string | null },
): AlertTransition {
  const rule = RULES[action];
  if (rule.actor === "system" && ctx.actor !== "system") return { ok: false, reason: "system_only" };
  if (!rule.from.includes(from)) return { ok: false, reason: "invalid_transition" };
  if (rule.noteRequired && !(ctx.note ?? "").trim()) return { ok: false, reason: "note_required" };
  return { ok: true, to: rule.to, acknowledges: from === "new" && action !== "auto_resolve" };
}

export function isOpenAlert(state: string): boolean {
  return (OPEN_ALERT_STATES as readonly string[]).includes(state);
}

/** The actions a user may offer on an alert in this state (for the console's buttons). */
export function availableAlertActions(state: AlertState): AlertAction[] {
  return ALERT_ACTIONS.filter(
    (a) => RULES[a].actor !== "system" && transitionAlert(state, a, { actor: "user", note: "x" }).ok,
  );
}

/**
 * The permission a user needs for an action on an alert (on its station): opening a case is creating
 * one (`case.create`); acknowledging, marking a false positive and resolving are `alert.acknowledge`.
 */
export function alertActionPermission(action: AlertAction): Action {
  return action === "open_case" ? "case.create" : "alert.acknowledge";
}
