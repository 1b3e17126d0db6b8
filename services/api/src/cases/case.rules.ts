/**
 * The pure steps of opening and moving a case (no I/O): where a case from alerts belongs, its title and
 * deadlines, the row it is inserted as, and the columns each transition sets. The service runs them in
 * its transactions; they throw the HttpError the route answers with.
 */
import {
  type CaseCreateBody,
  type CaseTransitionBody,
  type DecisionError,
  type Principal,
  transitionAlert,
  violationLabel,
} from "@mingfang/core";
import type { Database } from "@mingfang/db";
import type { Insertable, Updateable } from "kysely";
import { badRequest, conflict, forbidden, HttpError, notFound } from "../errors.js";
import { can } from "../plugins/auth.plugin.js";
import type { CaseAlertRow, CaseRow } from "./case.repository.js";

const HOUR = 3600_000;

/** A case about to be inserted, as its timeline row, audit row and event describe it. */
export interface OpenedCase {
  id: string;
  code: string;
  title: string;
  stationId: number;
  workshopId: number | null;
  alertIds: string[];
  assignedBrigade: boolean;
  dispatchDue: Date;
}

/**
 * The station and workshop of a case opened from alerts: all of one station, of the workshop given (or
 * of their one workshop), each still open. A missing alert and another station's alert answer alike (404).
 */
export function placeFromAlerts(
  user: Principal,
  alertIds: string[],
  alerts: CaseAlertRow[],
  body: Pick<CaseCreateBody, "stationId" | "workshopId">,
): { stationId: number; workshopId: number | null } {
  for (const aid of alertIds) {
    const a = alerts.find((x) => x.id === aid);
    if (!a) throw notFound("alert");
    can(user, "alert.read", "alert", { stationId: a.station_id });
  }
  const stations = new Set(alerts.map((a) => a.station_id));
  if (stations.size > 1) throw badRequest("alertIds", "body: the alerts of one case belong to one station");
  const stationId = alerts[0]!.station_id;
  if (body.stationId !== undefined && body.stationId !== stationId)
    throw badRequest("stationId", "body: the alerts belong to another station");
  const workshops = new Set(alerts.map((a) => a.workshop_id));
  let workshopId = body.workshopId ?? null;
  if (workshopId === null && workshops.size === 1) workshopId = alerts[0]!.workshop_id;
  if (workshopId !== null && !workshops.has(workshopId))
    throw badRequest("workshopId", "body: the alerts are not of this workshop");
  for (const a of alerts) {
    const t = transitionAlert(a.status as never, "open_case", { actor: "user" });
    if (!t.ok) throw conflict(`alert ${a.id} is ${a.status}: it cannot become a case`, "alertIds");
  }
  return { stationId, workshopId };
}

/** The title given, or one made of the violations of its alerts; a case by hand needs one. */
export function caseTitle(title: string | undefined, alerts: Pick<CaseAlertRow, "type">[]): string {
  if (title) return title;
  if (alerts.length === 0) throw badRequest("title", "body: a case by hand needs a title");
  return `视频预警：${[...new Set(alerts.map((a) => violationLabel(a.type)))].join("、")}`;
}

/** The dispatch deadline given (in the future), or `hours` from now. */
export function dispatchDeadline(given: string | undefined, now: Date, hours: number): Date {
  const due = given ? new Date(given) : new Date(now.getTime() + hours * HOUR);
  if (due.getTime() <= now.getTime())
    throw badRequest("dispatchDueAt", "body: the dispatch deadline must be in the future");
  return due;
}

export function newCaseRow(
  c: OpenedCase,
  description: string | null,
  openedBy: number,
  now: Date,
): Insertable<Database["cases"]> {
  return {
    id: c.id,
    code: c.code,
    station_id: c.stationId,
    workshop_id: c.workshopId,
    title: c.title,
    description,
    state: "open",
    source: c.alertIds.length ? "alert" : "manual",
    assigned_brigade: c.assignedBrigade,
    brigade_assigned_at: c.assignedBrigade ? now : null,
    dispatch_due_at: c.dispatchDue,
    deadline: c.dispatchDue,
    opened_by: openedBy,
    created_at: now,
    updated_at: now,
  };
}

/** The HttpError of a transition the state machine refuses. */
export function decisionError(d: DecisionError): HttpError {
  if (d.code === "forbidden") return forbidden(d.message);
  if (d.code === "invalid_transition") return new HttpError(409, "invalid_transition", d.message);
  return badRequest(d.field, `body: ${d.message}`);
}

/**
 * The columns a transition sets besides the state (deadlines, times, outcome) and the data its timeline
 * row keeps. Throws 400 for a deadline in the past or a check-in time out of order.
 */
export function transitionChanges(
  body: CaseTransitionBody,
  c: Pick<CaseRow, "dispatched_at">,
  ctx: { now: Date; photos: number; onSiteHours: number },
): { set: Updateable<Database["cases"]>; data: Record<string, unknown> } {
  const { now } = ctx;
  switch (body.transition) {
    case "dispatch": {
      const due = body.onSiteDueAt
        ? new Date(body.onSiteDueAt)
        : new Date(now.getTime() + ctx.onSiteHours * HOUR);
      if (due.getTime() <= now.getTime())
        throw badRequest("onSiteDueAt", "body: the on-site deadline must be in the future");
      return { set: { dispatched_at: now, on_site_due_at: due, deadline: due }, data: { onSiteDueAt: due } };
    }
    case "check_in": {
      const at = body.checkedInAt ? new Date(body.checkedInAt) : now;
      if (at.getTime() > now.getTime() + 60_000)
        throw badRequest("checkedInAt", "body: the check-in time cannot be in the future");
      if (c.dispatched_at && at.getTime() < new Date(c.dispatched_at).getTime())
        throw badRequest("checkedInAt", "body: the check-in time is before the dispatch");
      return { set: { on_site_at: at, deadline: null }, data: { checkedInAt: at } };
    }
    case "order_rectification":
    case "return_rectification": {
      const due = new Date(body.rectificationDueAt!);
      return {
        set: { rectification_due_at: due, rectification_ordered_at: now, rectified_at: null, deadline: due },
        data: { rectificationDueAt: due },
      };
    }
    case "submit_rectification":
      return { set: { rectified_at: now, deadline: null }, data: { photos: ctx.photos } };
    case "review":
      return { set: { reviewed_at: now }, data: {} };
    case "close":
      return {
        set: { outcome: body.outcome, closed_at: now, deadline: null },
        data: { outcome: body.outcome },
      };
  }
  return { set: {}, data: {} };
}
