/** Case rows → API views: labels, deadline flags and the transitions open to the viewer. */
import {
  availableTransitions,
  CASE_OUTCOME_LABELS,
  CASE_STATE_LABELS,
  type CaseAttachmentView,
  type CaseEventView,
  type CaseOutcome,
  type CaseState,
  type CaseView,
  caseDeadlines,
  closeOutcomes,
  isOverdue,
  type Principal,
} from "@mingfang/core";
import type { CaseRow } from "./case.repository.js";

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null | undefined) => (d ? iso(d) : null);
const date = (d: Date | string | null) => (d ? new Date(d) : null);

export function caseTimes(c: CaseRow) {
  return {
    dispatchDueAt: date(c.dispatch_due_at),
    dispatchedAt: date(c.dispatched_at),
    onSiteDueAt: date(c.on_site_due_at),
    onSiteAt: date(c.on_site_at),
    rectificationDueAt: date(c.rectification_due_at),
    rectifiedAt: date(c.rectified_at),
  };
}

export function caseView(c: CaseRow, alertIds: string[], viewer: Principal | null, now: Date): CaseView {
  const state = c.state as CaseState;
  const times = caseTimes(c);
  const dl = caseDeadlines(times, state, now);
  const deadline = (d: (typeof dl)["dispatch"]) => ({
    dueAt: isoOrNull(d.dueAt),
    doneAt: isoOrNull(d.doneAt),
    status: d.status,
  });
  return {
    id: c.id,
    code: c.code,
    stationId: c.station_id,
    stationName: c.station_name,
    workshopId: c.workshop_id,
    workshopName: c.workshop_name ?? null,
    title: c.title,
    description: c.description,
    source: c.source === "alert" ? "alert" : "manual",
    state,
    stateLabel: CASE_STATE_LABELS[state] ?? state,
    assignedBrigade: c.assigned_brigade,
    outcome: (c.outcome as CaseOutcome | null) ?? null,
    outcomeLabel: c.outcome ? (CASE_OUTCOME_LABELS[c.outcome as CaseOutcome] ?? c.outcome) : null,
    deadline: isoOrNull(c.deadline),
    overdue: isOverdue(times, state, now),
    deadlines: {
      dispatch: deadline(dl.dispatch),
      onSite: deadline(dl.onSite),
      rectification: deadline(dl.rectification),
    },
    alertIds,
    transitions: viewer
      ? availableTransitions(viewer.role, { state, assignedBrigade: c.assigned_brigade })
      : [],
    closeOutcomes: viewer ? closeOutcomes(viewer.role, { state, assignedBrigade: c.assigned_brigade }) : [],
    openedBy: c.opened_by,
    createdAt: iso(c.created_at),
    updatedAt: iso(c.updated_at),
    rectificationOrderedAt: isoOrNull(c.rectification_ordered_at),
    reviewedAt: isoOrNull(c.reviewed_at),
    closedAt: isoOrNull(c.closed_at),
  };
}

export function caseEventView(e: {
  id: number;
  at: Date;
  actor_id: number | null;
  actor_name: string | null;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  note: string | null;
  data: unknown;
}): CaseEventView {
  return {
    id: e.id,
    at: iso(e.at),
    actorId: e.actor_id,
    actorName: e.actor_name,
    kind: e.kind,
    fromState: e.from_state,
    toState: e.to_state,
    note: e.note,
    data: typeof e.data === "string" ? JSON.parse(e.data) : (e.data ?? null),
  };
}

export function attachmentView(a: {
  id: string;
  case_id: string;
  kind: string;
  mime: string;
  size: number;
  sha256: string;
  file_name: string | null;
  uploaded_by: number | null;
  created_at: Date;
}): CaseAttachmentView {
  return {
    id: a.id,
    kind: a.kind as CaseAttachmentView["kind"],
    mime: a.mime,
    size: a.size,
    sha256: a.sha256,
    fileName: a.file_name,
    uploadedBy: a.uploaded_by,
    createdAt: iso(a.created_at),
    url: `/api/cases/${a.case_id}/attachments/${a.id}`,
  };
}
