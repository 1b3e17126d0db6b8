/**
 * The rapid-response case (快速反应案件) state machine: a pure module, no I/O.
 *
 *   open ─dispatch→ dispatched ─check_in→ on_site ─order_rectification→ rectification_ordered
 *        ─submit_rectification→ rectified ─review→ reviewed ─close→ closed
 *   rectified ─return_rectification→ rectification_ordered   (the review found the rectification lacking)
 *   open | dispatched | on_site ─close→ closed                 (early closure: false alarm, transferred)
 *
 * `decide()` checks one transition for one user: the role (who may do what), the state, and the data the
 * transition needs (a rectification deadline, rectification photos, an outcome). The station scope
 * (another station's case → 404) is the RBAC policy's job (policy/rbac.ts `case.update`); this module
 * adds the finer rules the matrix cannot express.
 */
import type { Role } from "./vocabulary.js";

export const CASE_STATES = [
  "open",
  "dispatched",
  "on_site",
  "rectification_ordered",
  "rectified",
  "reviewed",
  "closed",
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CASE_OUTCOMES = [
  "violation_confirmed",
  "false_alarm",
  "rectified",
  "penalised",
  "transferred",
] as const;
export type CaseOutcome = (typeof CASE_OUTCOMES)[number];

export const CASE_TRANSITIONS = [
  "dispatch",
  "check_in",
  "order_rectification",
  "submit_rectification",
  "return_rectification",
  "review",
  "close",
] as const;
export type CaseTransition = (typeof CASE_TRANSITIONS)[number];

/** Chinese labels for the console and the ledger. */
export const CASE_STATE_LABELS: Record<CaseState, string> = {
  open: "待派单",
  dispatched: "已派单",
  on_site: "已到场",
  rectification_ordered: "责令整改",
  rectified: "已整改",
  reviewed: "已复核",
  closed: "已结案",
};

export const CASE_OUTCOME_LABELS: Record<CaseOutcome, string> = {
  violation_confirmed: "违规属实",
  false_alarm: "误报",
  rectified: "已整改到位",
  penalised: "立案处罚",
  transferred: "移送处理",
};

interface TransitionRule {
  from: readonly CaseState[];
  to: CaseState;
  /** Roles that may take it. The brigade only on cases assigned to it (checked in `decide`). */
  roles: readonly Role[];
}

const STATION: readonly Role[] = ["station_staff", "duty_officer"];
const FIELD: readonly Role[] = ["station_staff", "duty_officer", "brigade_officer", "bureau_admin"];

const RULES: Record<CaseTransition, TransitionRule> = {
  // The station sends someone (or hands it to the brigade); the brigade does not dispatch itself.
  dispatch: { from: ["open"], to: "dispatched", roles: [...STATION, "bureau_admin"] },
  check_in: { from: ["dispatched"], to: "on_site", roles: FIELD },
  order_rectification: { from: ["on_site"], to: "rectification_ordered", roles: FIELD },
  submit_rectification: { from: ["rectification_ordered"], to: "rectified", roles: FIELD },
  return_rectification: { from: ["rectified"], to: "rectification_ordered", roles: FIELD },
  // The review is a second pair of eyes: a duty officer, the brigade on its cases, or the bureau.
  review: { from: ["rectified"], to: "reviewed", roles: ["duty_officer", "brigade_officer", "bureau_admin"] },
  close: {
    from: ["open", "dispatched", "on_site", "reviewed"],
    to: "closed",
    roles: ["duty_officer", "brigade_officer", "bureau_admin"],
  },
};

/** Outcomes allowed when closing from a state: before a review only a false alarm or a transfer. */
const EARLY_OUTCOMES: readonly CaseOutcome[] = ["false_alarm", "transferred"];
const REVIEWED_OUTCOMES: readonly CaseOutcome[] = [
  "violation_confirmed",
  "rectified",
  "penalised",
  "transferred",
];

export interface CaseFacts {
  state: CaseState;
  assignedBrigade: boolean;
  /** Photos of kind `rectification` attached since the rectification was (last) ordered. */
  rectificationPhotos: number;
}

export interface TransitionInput {
  transition: CaseTransition;
  /** Required for order_rectification and return_rectification; must be after `now`. */
  rectificationDueAt?: Date;
  /** Required for close. */
  outcome?: CaseOutcome;
  note?: string;
}

export type DecisionError =
  /** The role may never take this transition (403). */
  | { ok: false; code: "forbidden"; message: string }
  /** Not from this state (409). */
  | { ok: false; code: "invalid_transition"; message: string }
  /** Missing or bad data (400), naming the field. */
  | { ok: false; code: "validation_failed"; field: string; message: string };

export type TransitionDecision = { ok: true; to: CaseState } | DecisionError;

export function transitionRule(t: CaseTransition): Readonly<TransitionRule> {
  return RULES[t];
}

/** Decide one transition. Pure: the caller applies the result and its side effects (timestamps). */
export function decide(role: Role, facts: CaseFacts, input: TransitionInput, now: Date): TransitionDecision {
  const rule = RULES[input.transition];
  if (!rule.roles.includes(role)) {
    return { ok: false, code: "forbidden", message: `a ${role} may not ${input.transition} a case` };
  }
  if (role === "brigade_officer" && !facts.assignedBrigade) {
    return { ok: false, code: "forbidden", message: "the case is not assigned to the brigade" };
  }
  if (!rule.from.includes(facts.state)) {
    return {
      ok: false,
      code: "invalid_transition",
      message: `cannot ${input.transition} a case that is ${facts.state} (from: ${rule.from.join(", ")})`,
    };
  }
  switch (input.transition) {
    case "order_rectification":
    case "return_rectification": {
      if (!input.rectificationDueAt)
        return invalid("rectificationDueAt", "a rectification deadline is required");
      if (input.rectificationDueAt.getTime() <= now.getTime())
        return invalid("rectificationDueAt", "the rectification deadline must be in the future");
      if (input.transition === "return_rectification" && !input.note?.trim())
        return invalid("note", "say what is still wrong");
      break;
    }
    case "submit_rectification":
      if (facts.rectificationPhotos < 1)
        return invalid("photos", "attach at least one rectification photo (kind 'rectification') first");
      break;
    case "review":
      if (!input.note?.trim()) return invalid("note", "a review needs a note");
      break;
    case "close": {
      if (!input.outcome) return invalid("outcome", "closing needs an outcome");
      const allowed = outcomesFrom(facts.state);
      if (!allowed.includes(input.outcome))
        return invalid(
          "outcome",
          `a ${facts.state} case closes with one of: ${allowed.join(", ")} (not ${input.outcome})`,
        );
      // A penalty is the brigade's enforcement power (行政处罚): only on a brigade case.
      if (input.outcome === "penalised" && !facts.assignedBrigade)
        return invalid("outcome", "only a case assigned to the brigade can close as penalised");
      if (input.outcome === "penalised" && role !== "brigade_officer" && role !== "bureau_admin")
        return {
          ok: false,
          code: "forbidden",
          message: "only the brigade or the bureau closes with a penalty",
        };
      break;
    }
    default:
      break;
  }
  return { ok: true, to: rule.to };
}

function outcomesFrom(state: CaseState): readonly CaseOutcome[] {
  return state === "reviewed" ? REVIEWED_OUTCOMES : EARLY_OUTCOMES;
}

/**
 * The outcomes this role may close the case with now (empty when it may not close it): what the console
 * offers, from the same rules `decide` applies.
 */
export function closeOutcomes(
  role: Role,
  facts: Pick<CaseFacts, "state" | "assignedBrigade">,
): CaseOutcome[] {
  if (!availableTransitions(role, facts).includes("close")) return [];
  return outcomesFrom(facts.state).filter(
    (o) =>
      o !== "penalised" || (facts.assignedBrigade && (role === "brigade_officer" || role === "bureau_admin")),
  );
}

function invalid(field: string, message: string): DecisionError {
  return { ok: false, code: "validation_failed", field, message };
}

/** Transitions a role could take now (for the console's buttons); data checks aside. */
export function availableTransitions(role: Role, facts: Pick<CaseFacts, "state" | "assignedBrigade">) {
  return CASE_TRANSITIONS.filter((t) => {
    const r = RULES[t];
    if (!r.roles.includes(role) || !r.from.includes(facts.state)) return false;
    return role !== "brigade_officer" || facts.assignedBrigade;
  });
}

/** Who may hand a case to the brigade (or take it back): the station and the bureau, while not closed. */
export function mayAssignBrigade(role: Role, state: CaseState): boolean {
  return state !== "closed" && (STATION.includes(role) || role === "bureau_admin");
}

// ---- deadlines ----

export const CASE_DEADLINES = ["dispatch", "onSite", "rectification"] as const;
export type CaseDeadline = (typeof CASE_DEADLINES)[number];

/**
 * pending: not due yet and not done · overdue: past due and not done · met: done in time ·
 * late: done after the due time · none: no due time set.
 */
export type DeadlineStatus = "none" | "pending" | "overdue" | "met" | "late";

export interface CaseTimes {
  dispatchDueAt: Date | null;
  dispatchedAt: Date | null;
  onSiteDueAt: Date | null;
  onSiteAt: Date | null;
  rectificationDueAt: Date | null;
  rectifiedAt: Date | null;
}

export function deadlineStatus(due: Date | null, done: Date | null, now: Date): DeadlineStatus {
  if (!due) return "none";
  if (done) return done.getTime() <= due.getTime() ? "met" : "late";
  return now.getTime() > due.getTime() ? "overdue" : "pending";
}

export interface DeadlineView {
  dueAt: Date | null;
  doneAt: Date | null;
  status: DeadlineStatus;
}

/** Every deadline of a case with its flag. A closed case has nothing left pending. */
export function caseDeadlines(t: CaseTimes, state: CaseState, now: Date): Record<CaseDeadline, DeadlineView> {
  const view = (due: Date | null, done: Date | null): DeadlineView => {
    let status = deadlineStatus(due, done, now);
    if (state === "closed" && (status === "pending" || status === "overdue")) status = "none";
    return { dueAt: due, doneAt: done, status };
  };
  return {
    dispatch: view(t.dispatchDueAt, t.dispatchedAt),
    onSite: view(t.onSiteDueAt, t.onSiteAt),
    rectification: view(t.rectificationDueAt, t.rectifiedAt),
  };
}

/** True when any deadline is past and its step not done. */
export function isOverdue(t: CaseTimes, state: CaseState, now: Date): boolean {
  return Object.values(caseDeadlines(t, state, now)).some((d) => d.status === "overdue");
}
