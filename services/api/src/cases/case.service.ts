/**
 * Rapid-response cases: opening (from alerts or by hand), transitions, the brigade hand-over, notes and
 * photos. Every action runs in one transaction that writes the case, its timeline (case_events), the
 * audit log and the `case.created` / `case.updated` event (appended last, as the event bus asks), so a
 * step is either entirely recorded or not at all.
 *
 * Authorization: the RBAC policy decides the station scope (another station's case → 404, a role that
 * may never → 403); the state machine (core `decide`) decides the finer rules.
 */
import { randomUUID } from "node:crypto";
import {
  authorize,
  type CaseAssignBody,
  type CaseCreateBody,
  type CaseListQuery,
  type CaseState,
  type CaseTransitionBody,
  type Config,
  decide,
  listScope,
  mayAssignBrigade,
  type Principal,
} from "@mingfang/core";
import type { Database, Db } from "@mingfang/db";
import type { Transaction } from "kysely";
import { AuditRepository } from "../audit/audit.repository.js";
import { badRequest, forbidden, HttpError, notFound } from "../errors.js";
import { can, enforce } from "../plugins/auth.plugin.js";
import { type CaseAlertRow, CaseRepository, type CaseRow, type Exec } from "./case.repository.js";
import {
  caseTitle,
  decisionError,
  dispatchDeadline,
  newCaseRow,
  type OpenedCase,
  placeFromAlerts,
  transitionChanges,
} from "./case.rules.js";
import type { CasePhotoStore, PhotoMime } from "./case-photo.store.js";

/** What the service needs of the event bus (services/api/src/events/event-bus.ts). */
export interface CaseEventSink {
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  publish(
    exec: Transaction<Database>,
    kind: "case.created" | "case.updated",
    stationId: number | null,
    payload: Record<string, unknown>,
  ): Promise<{ seq: string }>;
}

/** What the service needs of the alert service (services/api/src/alerts/alert.service.ts). */
export interface AlertCaseLink {
  markCaseOpened(
    trx: Transaction<Database>,
    actor: { id: number | null; username: string | null; ip?: string | null },
    alertIds: string[],
    caseId: string,
  ): Promise<unknown>;
}

export interface Actor {
  user: Principal;
  ip: string | null;
}

const YEAR_FMT = new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric" });

export class CaseService {
  readonly repo = new CaseRepository();

  constructor(
    private readonly db: Db,
    private readonly bus: CaseEventSink,
    private readonly alerts: AlertCaseLink,
    private readonly photos: CasePhotoStore,
    private readonly config: Pick<Config, "CASE_DISPATCH_HOURS" | "CASE_ONSITE_HOURS">,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A case the user may read, or 404 (missing, or another station's). */
  async load(user: Principal, id: string, exec: Exec = this.db): Promise<CaseRow> {
    const c = await this.repo.find(exec, id);
    if (!c) throw notFound("case");
    can(user, "case.read", "case", scope(c));
    return c;
  }

  list(user: Principal, q: CaseListQuery) {
    enforce(authorize(user, "case.read"), "case");
    return this.repo.list(this.db, q, listScope(user, "case.read"));
  }

  async open(actor: Actor, body: CaseCreateBody): Promise<string> {
    const { user } = actor;
    enforce(authorize(user, "case.create"), "case");
    const now = this.now();
    const id = randomUUID();
    await this.bus.transaction(async (trx) => {
      const { alerts, stationId, workshopId } = await this.placeOfNewCase(trx, user, body);
      can(user, "case.create", "station", { stationId });
      const stationCode = await this.repo.stationCode(trx, stationId);
      if (stationCode === undefined) throw badRequest("stationId", "body: no such station");
      const title = caseTitle(body.title, alerts);
      if (body.assignBrigade && !mayAssignBrigade(user.role, "open"))
        throw forbidden("only the station or the bureau hands a case to the brigade");
      const dispatchDue = dispatchDeadline(body.dispatchDueAt, now, this.config.CASE_DISPATCH_HOURS);
      const code = await this.repo.nextCode(trx, stationId, stationCode, Number(YEAR_FMT.format(now)));
      const opened: OpenedCase = {
        id,
        code,
        title,
        stationId,
        workshopId,
        alertIds: alerts.map((a) => a.id),
        assignedBrigade: body.assignBrigade === true,
        dispatchDue,
      };
      await this.repo.insert(trx, newCaseRow(opened, body.description ?? null, user.id, now));
      if (opened.alertIds.length) await this.linkAlerts(trx, actor, opened);
      await this.recordOpened(trx, actor, opened, body.note ?? null);
    });
    return id;
  }

  /**
   * Where a new case belongs: the station (and workshop) of its alerts, locked; or of the workshop
   * given; or the station given. Throws 404 for an alert or workshop the user may not see.
   */
  private async placeOfNewCase(
    trx: Transaction<Database>,
    user: Principal,
    body: CaseCreateBody,
  ): Promise<{ alerts: CaseAlertRow[]; stationId: number; workshopId: number | null }> {
    const alertIds = body.alertIds ?? [];
    if (alertIds.length > 0) {
      const alerts = await this.repo.lockAlerts(trx, alertIds);
      return { alerts, ...placeFromAlerts(user, alertIds, alerts, body) };
    }
    const workshopId = body.workshopId ?? null;
    if (workshopId !== null) {
      const stationId = await this.repo.workshopStation(trx, workshopId);
      if (stationId === undefined) throw notFound("workshop");
      can(user, "workshop.read", "workshop", { stationId });
      if (body.stationId !== undefined && body.stationId !== stationId)
        throw badRequest("stationId", "body: the workshop belongs to another station");
      return { alerts: [], stationId, workshopId };
    }
    if (body.stationId !== undefined) return { alerts: [], stationId: body.stationId, workshopId };
    throw badRequest("alertIds", "body: give alertIds, or a workshopId or stationId for a case by hand");
  }

  /**
   * The alerts become `case_opened` in the transaction that opens the case (the alert service writes
   * their audit rows and `alert.updated` events; opening a case from a `new` alert acknowledges it).
   */
  private async linkAlerts(trx: Transaction<Database>, actor: Actor, c: OpenedCase): Promise<void> {
    await this.repo.linkAlerts(trx, c.id, c.alertIds);
    const { user } = actor;
    await this.alerts.markCaseOpened(
      trx,
      { id: user.id, username: user.username, ip: actor.ip },
      c.alertIds,
      c.id,
    );
  }

  /** The `opened` timeline row, the audit row and the `case.created` event (last) of a new case. */
  private async recordOpened(
    trx: Transaction<Database>,
    actor: Actor,
    c: OpenedCase,
    note: string | null,
  ): Promise<void> {
    const { user } = actor;
    await this.repo.addEvent(trx, {
      caseId: c.id,
      actorId: user.id,
      kind: "opened",
      toState: "open",
      note,
      data: { alertIds: c.alertIds, assignedBrigade: c.assignedBrigade, dispatchDueAt: c.dispatchDue },
    });
    await new AuditRepository(trx as unknown as Db).record({
      actorId: user.id,
      actorUsername: user.username,
      action: "case.create",
      targetType: "case",
      targetId: c.id,
      stationId: c.stationId,
      ip: actor.ip,
      detail: {
        code: c.code,
        alertIds: c.alertIds,
        workshopId: c.workshopId,
        assignedBrigade: c.assignedBrigade,
      },
    });
    await this.bus.publish(trx, "case.created", c.stationId, {
      id: c.id,
      code: c.code,
      title: c.title,
      state: "open",
      stationId: c.stationId,
      workshopId: c.workshopId,
      assignedBrigade: c.assignedBrigade,
      alertIds: c.alertIds,
    });
  }

  async transition(actor: Actor, id: string, body: CaseTransitionBody): Promise<void> {
    const { user } = actor;
    const now = this.now();
    await this.bus.transaction(async (trx) => {
      const c = await this.lockForUpdate(trx, user, id);
      const from = c.state as CaseState;
      const photos =
        body.transition === "submit_rectification"
          ? await this.repo.countPhotosSince(trx, id, "rectification", c.rectification_ordered_at)
          : 0;
      const d = decide(
        user.role,
        { state: from, assignedBrigade: c.assigned_brigade, rectificationPhotos: photos },
        {
          transition: body.transition,
          rectificationDueAt: body.rectificationDueAt ? new Date(body.rectificationDueAt) : undefined,
          outcome: body.outcome,
          note: body.note,
        },
        now,
      );
      if (!d.ok) throw decisionError(d);
      const { set, data } = transitionChanges(body, c, {
        now,
        photos,
        onSiteHours: this.config.CASE_ONSITE_HOURS,
      });
      if (!(await this.repo.updateInState(trx, id, from, { state: d.to, updated_at: now, ...set })))
        throw new HttpError(409, "invalid_transition", "the case changed meanwhile");
      await this.recordTransition(trx, actor, c, { body, from, to: d.to, data });
    });
  }

  /** The timeline row, the audit row and the `case.updated` event (last) of a transition. */
  private async recordTransition(
    trx: Transaction<Database>,
    actor: Actor,
    c: CaseRow,
    t: { body: CaseTransitionBody; from: CaseState; to: CaseState; data: Record<string, unknown> },
  ): Promise<void> {
    const { body, from, to, data } = t;
    await this.repo.addEvent(trx, {
      caseId: c.id,
      actorId: actor.user.id,
      kind: body.transition,
      fromState: from,
      toState: to,
      note: body.note ?? null,
      data,
    });
    await this.audit(trx, actor, `case.${body.transition}`, c, { from, to, ...data, note: body.note });
    await this.bus.publish(trx, "case.updated", c.station_id, {
      ...this.eventPayload(c),
      state: to,
      outcome: body.outcome ?? null,
      transition: body.transition,
    });
  }

  async assign(actor: Actor, id: string, body: CaseAssignBody): Promise<void> {
    const { user } = actor;
    const now = this.now();
    await this.bus.transaction(async (trx) => {
      const c = await this.lockForUpdate(trx, user, id);
      if (!mayAssignBrigade(user.role, c.state as CaseState)) {
        if (c.state === "closed") throw new HttpError(409, "invalid_transition", "the case is closed");
        throw forbidden("only the station or the bureau hands a case to the brigade");
      }
      if (c.assigned_brigade === body.brigade) return;
      await this.repo.update(trx, id, {
        assigned_brigade: body.brigade,
        brigade_assigned_at: body.brigade ? now : null,
        updated_at: now,
      });
      const kind = body.brigade ? "assigned_brigade" : "unassigned_brigade";
      await this.repo.addEvent(trx, { caseId: id, actorId: user.id, kind, note: body.note ?? null });
      await this.audit(trx, actor, `case.${kind}`, c, { note: body.note });
      // Published with the new flag: the brigade's consoles see the case arrive (or leave).
      await this.bus.publish(trx, "case.updated", c.station_id, {
        ...this.eventPayload(c),
        assignedBrigade: body.brigade,
        wasAssignedBrigade: c.assigned_brigade,
        transition: kind,
      });
    });
  }

  async note(actor: Actor, id: string, note: string): Promise<void> {
    await this.bus.transaction(async (trx) => {
      const c = await this.lockForUpdate(trx, actor.user, id);
      await this.repo.addEvent(trx, { caseId: id, actorId: actor.user.id, kind: "note", note });
      await this.audit(trx, actor, "case.note", c, { note });
      await this.bus.publish(trx, "case.updated", c.station_id, {
        ...this.eventPayload(c),
        transition: "note",
      });
    });
  }

  async attach(
    actor: Actor,
    id: string,
    photo: {
      bytes: Buffer;
      mime: PhotoMime;
      kind: "rectification" | "on_site" | "other";
      fileName: string | null;
    },
  ): Promise<string> {
    const { user } = actor;
    // Check before writing the file: a refused upload leaves nothing on disk.
    const pre = await this.load(user, id);
    can(user, "case.update", "case", scope(pre));
    if (pre.state === "closed") throw new HttpError(409, "invalid_transition", "the case is closed");
    const saved = await this.photos.save(id, photo.bytes, photo.mime);
    const attId = randomUUID();
    await this.bus.transaction(async (trx) => {
      const c = await this.lockForUpdate(trx, user, id);
      if (c.state === "closed") throw new HttpError(409, "invalid_transition", "the case is closed");
      await this.repo.insertAttachment(trx, {
        id: attId,
        case_id: id,
        kind: photo.kind,
        mime: photo.mime,
        size: photo.bytes.length,
        sha256: saved.sha256,
        path: saved.rel,
        file_name: photo.fileName,
        uploaded_by: user.id,
        created_at: this.now(),
      });
      const data = { attachmentId: attId, kind: photo.kind, sha256: saved.sha256, size: photo.bytes.length };
      await this.repo.addEvent(trx, { caseId: id, actorId: user.id, kind: "photo", data });
      await this.audit(trx, actor, "case.attach", c, data);
      await this.bus.publish(trx, "case.updated", c.station_id, {
        ...this.eventPayload(c),
        transition: "photo",
      });
    });
    return attId;
  }

  /** A photo's bytes, checked against its SHA-256; the read is audited like an evidence read. */
  async readPhoto(actor: Actor, id: string, attachmentId: string) {
    const c = await this.load(actor.user, id);
    const a = await this.repo.findAttachment(this.db, id, attachmentId);
    if (!a) throw notFound("attachment");
    const bytes = await this.photos.read(a.path, a.sha256);
    await new AuditRepository(this.db).record({
      actorId: actor.user.id,
      actorUsername: actor.user.username,
      action: "case.photo_read",
      targetType: "case",
      targetId: c.id,
      stationId: c.station_id,
      ip: actor.ip,
      detail: { code: c.code, attachmentId },
    });
    return { mime: a.mime, bytes };
  }

  /**
   * Announces every deadline that has passed since the last sweep: one `overdue` timeline row, one audit
   * row (system) and one `case.updated` event with `overdue: true` per case and deadline, so consoles and
   * outbound subscribers learn of it without polling. Safe with several API processes (row locks, SKIP
   * LOCKED, and the timeline row is the marker). Returns how many it announced.
   */
  async sweepOverdue(limit = 100): Promise<number> {
    const now = this.now();
    let n = 0;
    for (const { id } of await this.repo.overdueIds(this.db, now, limit)) {
      if (await this.bus.transaction((trx) => this.announceOverdue(trx, id, now))) n++;
    }
    return n;
  }

  /** Announces that a case's deadline passed, unless it moved, closed, or is already announced. */
  private async announceOverdue(trx: Transaction<Database>, id: string, now: Date): Promise<boolean> {
    const row = await this.repo.lockDeadline(trx, id);
    if (!row || row.state === "closed" || !row.deadline || new Date(row.deadline).getTime() >= now.getTime())
      return false;
    const dueAt = new Date(row.deadline).toISOString();
    if (await this.repo.overdueAnnounced(trx, id, dueAt)) return false;
    const c = (await this.repo.find(trx, id))!;
    const which = c.state === "open" ? "dispatch" : c.state === "dispatched" ? "onSite" : "rectification";
    await this.repo.addEvent(trx, {
      caseId: id,
      actorId: null,
      kind: "overdue",
      data: { deadline: which, dueAt },
    });
    await new AuditRepository(trx as unknown as Db).record({
      actorId: null,
      actorUsername: "system",
      action: "case.overdue",
      targetType: "case",
      targetId: id,
      stationId: c.station_id,
      detail: { code: c.code, deadline: which, dueAt },
    });
    await this.bus.publish(trx, "case.updated", c.station_id, {
      ...this.eventPayload(c),
      overdue: true,
      overdueDeadline: which,
      transition: "overdue",
    });
    return true;
  }

  /** Loads for a change: 404 when unseen, 403 when the role may not change cases. Row-locked. */
  private async lockForUpdate(trx: Transaction<Database>, user: Principal, id: string): Promise<CaseRow> {
    if (!(await this.repo.lock(trx, id))) throw notFound("case");
    const c = await this.load(user, id, trx);
    can(user, "case.update", "case", scope(c));
    return c;
  }

  private eventPayload(c: CaseRow) {
    return {
      id: c.id,
      code: c.code,
      title: c.title,
      state: c.state,
      stationId: c.station_id,
      workshopId: c.workshop_id,
      assignedBrigade: c.assigned_brigade,
    };
  }

  private audit(
    trx: Transaction<Database>,
    actor: Actor,
    action: string,
    c: CaseRow,
    detail: Record<string, unknown>,
  ) {
    return new AuditRepository(trx as unknown as Db).record({
      actorId: actor.user.id,
      actorUsername: actor.user.username,
      action,
      targetType: "case",
      targetId: c.id,
      stationId: c.station_id,
      ip: actor.ip,
      detail: { code: c.code, ...detail },
    });
  }
}

export function scope(c: Pick<CaseRow, "station_id" | "assigned_brigade">) {
  return { stationId: c.station_id, assignedBrigade: c.assigned_brigade };
}
