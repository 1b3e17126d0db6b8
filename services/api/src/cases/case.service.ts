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
  transitionAlert,
  violationLabel,
} from "@mingfang/core";
import type { Database, Db } from "@mingfang/db";
import { sql, type Transaction } from "kysely";
import { badRequest, conflict, forbidden, HttpError, notFound } from "../errors.js";
import { can, enforce } from "../plugins/auth.plugin.js";
import { AuditRepository } from "../repositories/audit.repository.js";
import { CaseRepository, type CaseRow, type Exec } from "./case.repository.js";
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

const HOUR = 3600_000;
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
      let stationId: number;
      let workshopId: number | null = body.workshopId ?? null;
      let title = body.title;
      const alertIds = body.alertIds ?? [];
      let alerts: {
        id: string;
        station_id: number;
        workshop_id: number;
        status: string;
        type: string;
        grade: number;
      }[] = [];
      if (alertIds.length > 0) {
        alerts = await trx
          .selectFrom("alerts")
          .select(["id", "station_id", "workshop_id", "status", "type", "grade"])
          .where("id", "in", alertIds)
          .forUpdate()
          .execute();
        // A missing alert and another station's alert answer alike.
        for (const aid of alertIds) {
          const a = alerts.find((x) => x.id === aid);
          if (!a) throw notFound("alert");
          can(user, "alert.read", "alert", { stationId: a.station_id });
        }
        const stations = new Set(alerts.map((a) => a.station_id));
        if (stations.size > 1)
          throw badRequest("alertIds", "body: the alerts of one case belong to one station");
        stationId = alerts[0]!.station_id;
        if (body.stationId !== undefined && body.stationId !== stationId)
          throw badRequest("stationId", "body: the alerts belong to another station");
        const workshops = new Set(alerts.map((a) => a.workshop_id));
        if (workshopId === null && workshops.size === 1) workshopId = alerts[0]!.workshop_id;
        if (workshopId !== null && !workshops.has(workshopId))
          throw badRequest("workshopId", "body: the alerts are not of this workshop");
        for (const a of alerts) {
          const t = transitionAlert(a.status as never, "open_case", { actor: "user" });
          if (!t.ok) throw conflict(`alert ${a.id} is ${a.status}: it cannot become a case`, "alertIds");
        }
      } else if (workshopId !== null) {
        const w = await trx
          .selectFrom("workshops")
          .select("station_id")
          .where("id", "=", workshopId)
          .executeTakeFirst();
        if (!w) throw notFound("workshop");
        can(user, "workshop.read", "workshop", { stationId: w.station_id });
        stationId = w.station_id;
        if (body.stationId !== undefined && body.stationId !== stationId)
          throw badRequest("stationId", "body: the workshop belongs to another station");
      } else if (body.stationId !== undefined) {
        stationId = body.stationId;
      } else {
        throw badRequest("alertIds", "body: give alertIds, or a workshopId or stationId for a case by hand");
      }
      can(user, "case.create", "station", { stationId });
      const station = await trx
        .selectFrom("stations")
        .select(["code"])
        .where("id", "=", stationId)
        .executeTakeFirst();
      if (!station) throw badRequest("stationId", "body: no such station");
      if (!title) {
        if (alerts.length === 0) throw badRequest("title", "body: a case by hand needs a title");
        title = `视频预警：${[...new Set(alerts.map((a) => violationLabel(a.type)))].join("、")}`;
      }
      if (body.assignBrigade && !mayAssignBrigade(user.role, "open"))
        throw forbidden("only the station or the bureau hands a case to the brigade");
      const dispatchDue = body.dispatchDueAt
        ? new Date(body.dispatchDueAt)
        : new Date(now.getTime() + this.config.CASE_DISPATCH_HOURS * HOUR);
      if (dispatchDue.getTime() <= now.getTime())
        throw badRequest("dispatchDueAt", "body: the dispatch deadline must be in the future");
      const year = Number(YEAR_FMT.format(now));
      const code = await this.repo.nextCode(trx, stationId, station.code, year);
      await trx
        .insertInto("cases")
        .values({
          id,
          code,
          station_id: stationId,
          workshop_id: workshopId,
          title,
          description: body.description ?? null,
          state: "open",
          source: alerts.length ? "alert" : "manual",
          assigned_brigade: body.assignBrigade === true,
          brigade_assigned_at: body.assignBrigade ? now : null,
          dispatch_due_at: dispatchDue,
          deadline: dispatchDue,
          opened_by: user.id,
          created_at: now,
          updated_at: now,
        })
        .execute();
      if (alerts.length) {
        await trx
          .insertInto("case_alerts")
          .values(alerts.map((a) => ({ case_id: id, alert_id: a.id })))
          .execute();
        // The alerts become `case_opened` in this same transaction (the alert service writes their audit
        // rows and `alert.updated` events; opening a case from a `new` alert acknowledges it).
        await this.alerts.markCaseOpened(
          trx,
          { id: user.id, username: user.username, ip: actor.ip },
          alerts.map((a) => a.id),
          id,
        );
      }
      await this.repo.addEvent(trx, {
        caseId: id,
        actorId: user.id,
        kind: "opened",
        toState: "open",
        note: body.note ?? null,
        data: {
          alertIds: alerts.map((a) => a.id),
          assignedBrigade: body.assignBrigade === true,
          dispatchDueAt: dispatchDue,
        },
      });
      await new AuditRepository(trx as unknown as Db).record({
        actorId: user.id,
        actorUsername: user.username,
        action: "case.create",
        targetType: "case",
        targetId: id,
        stationId,
        ip: actor.ip,
        detail: {
          code,
          alertIds: alerts.map((a) => a.id),
          workshopId,
          assignedBrigade: body.assignBrigade === true,
        },
      });
      await this.bus.publish(trx, "case.created", stationId, {
        id,
        code,
        title,
        state: "open",
        stationId,
        workshopId,
        assignedBrigade: body.assignBrigade === true,
        alertIds: alerts.map((a) => a.id),
      });
    });
    return id;
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
      if (!d.ok) {
        if (d.code === "forbidden") throw forbidden(d.message);
        if (d.code === "invalid_transition") throw new HttpError(409, "invalid_transition", d.message);
        throw badRequest(d.field, `body: ${d.message}`);
      }
      const set: Record<string, unknown> = { state: d.to, updated_at: now };
      const data: Record<string, unknown> = {};
      switch (body.transition) {
        case "dispatch": {
          const due = body.onSiteDueAt
            ? new Date(body.onSiteDueAt)
            : new Date(now.getTime() + this.config.CASE_ONSITE_HOURS * HOUR);
          if (due.getTime() <= now.getTime())
            throw badRequest("onSiteDueAt", "body: the on-site deadline must be in the future");
          Object.assign(set, { dispatched_at: now, on_site_due_at: due, deadline: due });
          data.onSiteDueAt = due;
          break;
        }
        case "check_in": {
          const at = body.checkedInAt ? new Date(body.checkedInAt) : now;
          if (at.getTime() > now.getTime() + 60_000)
            throw badRequest("checkedInAt", "body: the check-in time cannot be in the future");
          if (c.dispatched_at && at.getTime() < new Date(c.dispatched_at).getTime())
            throw badRequest("checkedInAt", "body: the check-in time is before the dispatch");
          Object.assign(set, { on_site_at: at, deadline: null });
          data.checkedInAt = at;
          break;
        }
        case "order_rectification":
        case "return_rectification": {
          const due = new Date(body.rectificationDueAt!);
          Object.assign(set, {
            rectification_due_at: due,
            rectification_ordered_at: now,
            rectified_at: null,
            deadline: due,
          });
          data.rectificationDueAt = due;
          break;
        }
        case "submit_rectification":
          Object.assign(set, { rectified_at: now, deadline: null });
          data.photos = photos;
          break;
        case "review":
          Object.assign(set, { reviewed_at: now });
          break;
        case "close":
          Object.assign(set, { outcome: body.outcome, closed_at: now, deadline: null });
          data.outcome = body.outcome;
          break;
      }
      const r = await trx
        .updateTable("cases")
        .set(set)
        .where("id", "=", id)
        .where("state", "=", from)
        .returning("id")
        .execute();
      if (r.length !== 1) throw new HttpError(409, "invalid_transition", "the case changed meanwhile");
      await this.repo.addEvent(trx, {
        caseId: id,
        actorId: user.id,
        kind: body.transition,
        fromState: from,
        toState: d.to,
        note: body.note ?? null,
        data,
      });
      await this.audit(trx, actor, `case.${body.transition}`, c, {
        from,
        to: d.to,
        ...data,
        note: body.note,
      });
      await this.bus.publish(trx, "case.updated", c.station_id, {
        ...this.eventPayload(c),
        state: d.to,
        outcome: body.outcome ?? null,
        transition: body.transition,
      });
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
      await trx
        .updateTable("cases")
        .set({
          assigned_brigade: body.brigade,
          brigade_assigned_at: body.brigade ? now : null,
          updated_at: now,
        })
        .where("id", "=", id)
        .execute();
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
      await trx
        .insertInto("case_attachments")
        .values({
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
        })
        .execute();
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
    const due = await this.db
      .selectFrom("cases")
      .select(["id"])
      .where("state", "<>", "closed")
      .where("deadline", "<", now)
      .orderBy("deadline")
      .limit(limit)
      .execute();
    let n = 0;
    for (const { id } of due) {
      const done = await this.bus.transaction(async (trx) => {
        const row = await trx
          .selectFrom("cases")
          .select(["id", "deadline", "state"])
          .where("id", "=", id)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (
          !row ||
          row.state === "closed" ||
          !row.deadline ||
          new Date(row.deadline).getTime() >= now.getTime()
        )
          return false;
        const dueAt = new Date(row.deadline).toISOString();
        const seen = await trx
          .selectFrom("case_events")
          .select("id")
          .where("case_id", "=", id)
          .where("kind", "=", "overdue")
          .where(sql<boolean>`data->>'dueAt' = ${dueAt}`)
          .executeTakeFirst();
        if (seen) return false;
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
      });
      if (done) n++;
    }
    return n;
  }

  /** Loads for a change: 404 when unseen, 403 when the role may not change cases. Row-locked. */
  private async lockForUpdate(trx: Transaction<Database>, user: Principal, id: string): Promise<CaseRow> {
    const locked = await trx
      .selectFrom("cases")
      .select("id")
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!locked) throw notFound("case");
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
