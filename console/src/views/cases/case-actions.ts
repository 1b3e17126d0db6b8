/**
 * What the viewer may do on a case, read from the API's answer: the transitions are exactly
 * `caseView.transitions` (the server's state machine decides them); this module only maps each one to the
 * form it needs and adds the side actions (hand to the brigade, note, photo) by role and state.
 */
import type { CaseTransitionBody, CaseView, Role } from "@/api/types";

export type Transition = CaseTransitionBody["transition"];
export type Outcome = NonNullable<CaseTransitionBody["outcome"]>;

/** The fields a transition's dialog shows, and which are required. */
export interface TransitionForm {
  transition: Transition;
  note: "none" | "optional" | "required";
  outcome: boolean;
  rectificationDueAt: boolean;
  checkedInAt: boolean;
  onSiteDueAt: boolean;
  /** submit_rectification needs a rectification photo uploaded first. */
  needsRectificationPhoto: boolean;
}

const TRANSITION_ORDER: readonly Transition[] = [
  "dispatch",
  "check_in",
  "order_rectification",
  "submit_rectification",
  "return_rectification",
  "review",
  "close",
];

export function transitionForm(t: Transition): TransitionForm {
  return {
    transition: t,
    note: t === "review" || t === "return_rectification" ? "required" : "optional",
    outcome: t === "close",
    rectificationDueAt: t === "order_rectification" || t === "return_rectification",
    checkedInAt: t === "check_in",
    onSiteDueAt: t === "dispatch",
    needsRectificationPhoto: t === "submit_rectification",
  };
}

/** The outcomes the viewer may close with: the API's answer (`closeOutcomes`), not a copy of its rules. */
export function closeOutcomes(c: Pick<CaseView, "closeOutcomes">): Outcome[] {
  return [...c.closeOutcomes];
}

export interface CaseActions {
  transitions: TransitionForm[];
  /** Hand to the brigade / take back: the station and the bureau while the case is not closed. */
  assign: "hand" | "take_back" | null;
  /** Add a note and upload photos: whoever may work the case while it is not closed. */
  note: boolean;
  upload: boolean;
}

/** May this role work (update) a case it can see? The brigade only its own cases. */
function mayWork(c: Pick<CaseView, "assignedBrigade">, role: Role | null | undefined): boolean {
  if (!role) return false;
  return role !== "brigade_officer" || c.assignedBrigade;
}

export function caseActions(
  c: Pick<CaseView, "state" | "assignedBrigade" | "transitions">,
  role: Role | null | undefined,
): CaseActions {
  const open = c.state !== "closed";
  const stationOrBureau = role === "station_staff" || role === "duty_officer" || role === "bureau_admin";
  const work = open && mayWork(c, role);
  return {
    transitions: TRANSITION_ORDER.filter((t) => c.transitions.includes(t)).map(transitionForm),
    assign: open && stationOrBureau ? (c.assignedBrigade ? "take_back" : "hand") : null,
    note: work,
    upload: work,
  };
}

/** The body of a transition from its dialog's values, leaving out what the transition does not take. */
export function transitionBody(
  form: TransitionForm,
  v: {
    note?: string;
    outcome?: Outcome | "";
    rectificationDueAt?: When;
    checkedInAt?: When;
    onSiteDueAt?: When;
  },
): CaseTransitionBody {
  const body: CaseTransitionBody = { transition: form.transition };
  const note = v.note?.trim();
  if (note && form.note !== "none") body.note = note;
  if (form.outcome && v.outcome) body.outcome = v.outcome;
  if (form.rectificationDueAt && v.rectificationDueAt) body.rectificationDueAt = iso(v.rectificationDueAt);
  if (form.checkedInAt && v.checkedInAt) body.checkedInAt = iso(v.checkedInAt);
  if (form.onSiteDueAt && v.onSiteDueAt) body.onSiteDueAt = iso(v.onSiteDueAt);
  return body;
}

/** What is missing before the dialog may be sent (i18n keys of the fields), empty when complete. */
export function missingFields(
  form: TransitionForm,
  v: { note?: string; outcome?: string; rectificationDueAt?: When },
): string[] {
  const out: string[] = [];
  if (form.note === "required" && !v.note?.trim()) out.push("note");
  if (form.outcome && !v.outcome) out.push("outcome");
  if (form.rectificationDueAt && !v.rectificationDueAt) out.push("rectificationDueAt");
  return out;
}

/** A picked date-time: the picker's Date, or an ISO string. */
export type When = Date | string | null;
const iso = (s: Date | string) => new Date(s).toISOString();

/** Element Plus tag type per case state. */
export function stateTagType(
  state: CaseView["state"],
): "primary" | "success" | "warning" | "danger" | "info" {
  switch (state) {
    case "open":
      return "danger";
    case "dispatched":
    case "on_site":
      return "warning";
    case "rectification_ordered":
    case "rectified":
      return "primary";
    case "reviewed":
      return "success";
    default:
      return "info";
  }
}

/** Element Plus tag type per deadline status. */
export function deadlineTagType(status: string): "success" | "warning" | "danger" | "info" {
  if (status === "overdue") return "danger";
  if (status === "late") return "warning";
  if (status === "met") return "success";
  return "info";
}
