/**
 * The alert service: intake from the queue (validated, idempotent, cooldown, evidence, grade, event),
 * the lifecycle actions of the duty officers, escalation, and the hand-over to a case.
 *
 * Every state change happens in one transaction with its audit row and its event (published last, see
 * event-bus.ts), so the log, the audit trail and the table never disagree.
 */
import {
  type AlertAction,
  AlertJob,
  type AlertState,
  type AlertView,
  ackLimitMs,
  authorize,
  availableAlertActions,
  gradeAlert,
  hmacHex,
  type Keyring,
  type Logger,
  type Principal,
  safeEqualHex,
  transitionAlert,
} from "@mingfang/core";
import type { Db } from "@mingfang/db";
import type { Kysely, Transaction } from "kysely";
import { Value } from "typebox/value";
import { HttpError } from "../errors.js";
import type { EventBus, Executor } from "../events/event-bus.js";
import { AuditRepository } from "../repositories/audit.repository.js";
import { type AlertRecord, AlertRepository, type CameraContext } from "./alert.repository.js";
import type { AlertsOptions } from "./alerts.options.js";
import { EvidenceError, type EvidenceStore } from "./evidence.store.js";

export type IntakeOutcome =
  | { outcome: "created"; alertId: string; seq: string }
  | { outcome: "duplicate"; alertId: string }
  | { outcome: "folded"; alertId: string; into: string }
  | { outcome: "rejected"; alertId: string | null; reason: string };

export interface Actor {
  id: number | null;
  username: string | null;
  ip?: string | null;
}
const SYSTEM: Actor = { id: null, username: "system" };

const CAMERA_CACHE_MS = 10_000;
const MAX_EVIDENCE_BASE64 = Math.ceil((8 * 1024 * 1024 * 4) / 3);
const TYPE_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

export function signEvidenceToken(
  key: Buffer,
  alertId: string,
  ttlSeconds: number,
  now = Date.now(),
): string {
  const exp = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return `${exp}.${hmacHex(key, `evidence:${alertId}:${exp}`)}`;
}

export function verifyEvidenceToken(key: Buffer, alertId: string, token: string, now = Date.now()): boolean {
  const m = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return false;
  const exp = Number(m[1]);
  return safeEqualHex(m[2]!, hmacHex(key, `evidence:${alertId}:${exp}`)) && exp * 1000 > now;
}

/** The event payload of an alert: enough for a console to show it without asking. */
export function alertEventPayload(r: AlertRecord): Record<string, unknown> {
  return {
    id: r.id,
    cameraId: r.camera_id,
    cameraName: r.camera_name,
    workshopId: r.workshop_id,
    workshopName: r.workshop_name,
    stationId: r.station_id,
    type: r.type,
    area: r.area,
    grade: r.grade,
    status: r.status,
    confidence: r.confidence,
    capturedAt: iso(r.captured_at),
    createdAt: iso(r.created_at),
    repeatCount: r.repeat_count,
    escalatedAt: iso(r.escalated_at),
    acknowledgedAt: iso(r.acknowledged_at),
    caseId: r.case_id,
  };
}

function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}
function isoReq(d: Date | string): string {
  return new Date(d).toISOString();
}

export interface AlertServiceDeps {
  db: Db;
  bus: EventBus;
  evidence: EvidenceStore;
  keyring: Keyring;
  logger: Logger;
  options: AlertsOptions;
  /** Schedules the escalation check of an alert (a delayed BullMQ job). */
  scheduleEscalation: (alertId: string, grade: number, delayMs: number) => Promise<void>;
}

export class AlertService {
  readonly repo: AlertRepository;
  private readonly log: Logger;

  constructor(private readonly deps: AlertServiceDeps) {
    this.repo = new AlertRepository(deps.db);
    this.log = deps.logger.child({ component: "alerts" });
  }

  // ---- intake ----

  /**
   * Stores one alert from the queue. Returns what happened; throws only when a retry may help (the
   * database or the disk failed), so BullMQ retries it.
   */
  async intake(data: unknown): Promise<IntakeOutcome> {
    if (!Value.Check(AlertJob, data)) {
      const first = [...Value.Errors(AlertJob, data)][0];
      const id = typeof (data as { id?: unknown })?.id === "string" ? (data as { id: string }).id : null;
      return {
        outcome: "rejected",
        alertId: id,
        reason: `invalid payload: ${first?.instancePath ?? ""} ${first?.message ?? ""}`,
      };
    }
    const job = data as AlertJob;
    if (!TYPE_PATTERN.test(job.type))
      return { outcome: "rejected", alertId: job.id, reason: `bad type '${job.type}'` };
    if (job.evidenceJpeg && !job.evidenceSha256) {
      return { outcome: "rejected", alertId: job.id, reason: "evidence without its SHA-256" };
    }
    if (job.evidenceJpeg && job.evidenceJpeg.length > MAX_EVIDENCE_BASE64) {
      return { outcome: "rejected", alertId: job.id, reason: "evidence larger than 8 MB" };
    }
    if (job.frameJpeg && !job.frameSha256) {
      return { outcome: "rejected", alertId: job.id, reason: "frame without its SHA-256" };
    }
    if (job.frameJpeg && job.frameJpeg.length > MAX_EVIDENCE_BASE64) {
      return { outcome: "rejected", alertId: job.id, reason: "frame larger than 8 MB" };
    }
    const { bus, options } = this.deps;
    // (The duplicate check is inside the transaction: a redelivered job rewrites the same evidence file
    // with the same bytes, then stops there.)
    const cam = await this.cameraContext(job.cameraId);
    if (!cam) return { outcome: "rejected", alertId: job.id, reason: `unknown camera ${job.cameraId}` };
    const capturedAt = new Date(job.capturedAt);

    // The evidence (boxes drawn), then the undrawn frame (for training sets), each checked against its
    // SHA-256; either one not matching rejects the alert, and nothing of it stays on disk.
    const files = [
      { kind: "evidence", b64: job.evidenceJpeg, sha: job.evidenceSha256, rel: this.deps.evidence.relPath },
      { kind: "frame", b64: job.frameJpeg, sha: job.frameSha256, rel: this.deps.evidence.framePath },
    ] as const;
    const stored: { path: string | null; sha: string | null }[] = [];
    for (const f of files) {
      if (!f.b64) {
        stored.push({ path: null, sha: null });
        continue;
      }
      const rel = f.rel.call(this.deps.evidence, cam.station_id, capturedAt, job.id);
      try {
        stored.push({
          path: rel,
          sha: await this.deps.evidence.write(rel, Buffer.from(f.b64, "base64"), f.sha),
        });
      } catch (err) {
        for (const s of stored) if (s.path) await this.deps.evidence.remove(s.path).catch(() => {});
        if (err instanceof EvidenceError && err.code === "hash_mismatch") {
          return { outcome: "rejected", alertId: job.id, reason: `${f.kind}: ${err.message}` };
        }
        throw err;
      }
    }
    const [{ path: evidencePath, sha: evidenceSha }, { path: framePath, sha: frameSha }] = stored as [
      { path: string | null; sha: string | null },
      { path: string | null; sha: string | null },
    ];

    const now = new Date();
    let escalation: { grade: number; dueAt: Date } | null = null;
    let duplicateOfFold = false;
    // The escalation job is scheduled after the commit; if this process dies in between, the escalation
    // sweep finds the alert by its escalation_due_at.
    const result = await bus.transaction(async (trx): Promise<IntakeOutcome> => {
      await this.repo.lockCamera(trx, cam.id);
      const taken = await this.repo.taken(job.id, trx);
      if (taken) {
        duplicateOfFold = taken === "folded";
        return { outcome: "duplicate", alertId: job.id };
      }
      if (options.cooldownMinutes > 0) {
        const open = await this.repo.openAlertFor(
          trx,
          cam.id,
          job.type,
          new Date(now.getTime() - options.cooldownMinutes * 60_000),
        );
        if (open) {
          await trx
            .insertInto("alert_folds")
            .values({ job_id: job.id, alert_id: open.id, captured_at: capturedAt })
            .execute();
          await trx
            .updateTable("alerts")
            .set((eb) => ({
              repeat_count: eb("repeat_count", "+", 1),
              last_seen_at: capturedAt,
              updated_at: now,
            }))
            .where("id", "=", open.id)
            .execute();
          return { outcome: "folded", alertId: job.id, into: open.id };
        }
      }
      const policy = options.gradePolicy;
      const recent = await this.repo.countRecent(
        trx,
        cam.workshop_id,
        job.type,
        new Date(now.getTime() - policy.repetition.windowHours * 3600_000),
      );
      const grade = gradeAlert({ type: job.type, area: cam.area, recentSameType: recent }, policy);
      const dueAt = new Date(now.getTime() + ackLimitMs(grade, policy));
      await trx
        .insertInto("alerts")
        .values({
          id: job.id,
          camera_id: cam.id,
          workshop_id: cam.workshop_id,
          station_id: cam.station_id,
          type: job.type,
          confidence: job.confidence,
          boxes: JSON.stringify(job.boxes),
          grade,
          status: "new",
          captured_at: capturedAt,
          evidence_path: evidencePath,
          evidence_sha256: evidenceSha,
          frame_path: framePath,
          frame_sha256: frameSha,
          area: cam.area,
          model: job.model ?? null,
          zone: job.zone ?? null,
          escalation_due_at: dueAt,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await new AuditRepository(trx as unknown as Db).record({
        actorId: null,
        actorUsername: SYSTEM.username,
        action: "alert.intake",
        targetType: "alert",
        targetId: job.id,
        stationId: cam.station_id,
        detail: { cameraId: cam.id, type: job.type, grade, confidence: job.confidence },
      });
      const rec: AlertRecord = {
        id: job.id,
        camera_id: cam.id,
        camera_name: cam.name,
        workshop_id: cam.workshop_id,
        workshop_name: cam.workshop_name,
        station_id: cam.station_id,
        type: job.type,
        area: cam.area,
        grade,
        status: "new",
        confidence: job.confidence,
        boxes: job.boxes,
        model: job.model ?? null,
        zone: job.zone ?? null,
        captured_at: capturedAt,
        created_at: now,
        updated_at: now,
        repeat_count: 0,
        last_seen_at: null,
        acknowledged_by: null,
        acknowledged_at: null,
        ack_note: null,
        escalation_due_at: dueAt,
        escalated_at: null,
        closed_by: null,
        closed_at: null,
        close_note: null,
        evidence_path: evidencePath,
        evidence_sha256: evidenceSha,
        case_id: null,
      };
      const { seq } = await bus.publish(trx, "alert.created", cam.station_id, alertEventPayload(rec));
      escalation = { grade, dueAt };
      return { outcome: "created", alertId: job.id, seq };
    });
    if (result.outcome === "created" && escalation) {
      const { grade, dueAt } = escalation as { grade: number; dueAt: Date };
      {
        const delay = Math.max(0, dueAt.getTime() - Date.now());
        await this.deps.scheduleEscalation(job.id, grade, delay).catch((err: Error) => {
          this.log.warn(
            { err: err.message, alertId: job.id },
            "escalation not scheduled; the sweep will catch it",
          );
        });
      }
    } else if (result.outcome === "folded" || duplicateOfFold) {
      // A folded detection (or its redelivery) keeps no evidence file of its own.
      for (const p of [evidencePath, framePath]) if (p) await this.deps.evidence.remove(p).catch(() => {});
    }
    return result;
  }

  private readonly cameras = new Map<number, { at: number; cam: CameraContext | undefined }>();

  /** Camera, workshop and station of an alert, cached for a few seconds (intake runs at tens per second). */
  private async cameraContext(id: number): Promise<CameraContext | undefined> {
    const hit = this.cameras.get(id);
    if (hit && Date.now() - hit.at < CAMERA_CACHE_MS) return hit.cam;
    const cam = await this.repo.camera(id);
    if (this.cameras.size > 10_000) this.cameras.clear();
    this.cameras.set(id, { at: Date.now(), cam });
    return cam;
  }

  // ---- lifecycle ----

  async act(
    actor: Actor,
    id: string,
    action: Exclude<AlertAction, "open_case" | "auto_resolve">,
    note: string | null,
  ): Promise<AlertRecord> {
    return this.deps.bus.transaction((trx) => this.transition(trx, actor, id, action, note, "user"));
  }

  /**
   * Moves one alert through the lifecycle inside the caller's transaction, with its audit row and its
   * `alert.updated` event. Throws HttpError 404 / 409 / 400.
   */
  async transition(
    trx: Transaction<DbSchema>,
    actor: Actor,
    id: string,
    action: AlertAction,
    note: string | null,
    actorKind: "user" | "system",
    extra: { caseId?: string } = {},
  ): Promise<AlertRecord> {
    const row = await trx
      .selectFrom("alerts")
      .select(["status", "station_id"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new HttpError(404, "not_found", "alert not found");
    const t = transitionAlert(row.status as AlertState, action, { actor: actorKind, note });
    if (!t.ok) {
      if (t.reason === "note_required")
        throw new HttpError(400, "validation_failed", "a note is required", "note");
      throw new HttpError(409, "invalid_transition", `cannot ${action} an alert that is ${row.status}`);
    }
    const now = new Date();
    const closing = t.to !== "acknowledged";
    await trx
      .updateTable("alerts")
      .set({
        status: t.to,
        updated_at: now,
        ...(t.acknowledges || action === "acknowledge"
          ? {
              acknowledged_by: actor.id,
              acknowledged_at: now,
              ...(action === "acknowledge" ? { ack_note: note } : {}),
            }
          : {}),
        ...(closing ? { closed_by: actor.id, closed_at: now, close_note: note } : {}),
      })
      .where("id", "=", id)
      .execute();
    await new AuditRepository(trx as unknown as Db).record({
      actorId: actor.id,
      actorUsername: actor.username,
      action: `alert.${action}`,
      targetType: "alert",
      targetId: id,
      stationId: row.station_id,
      ip: actor.ip ?? null,
      detail: { from: row.status, to: t.to, ...(note ? { note } : {}), ...extra },
    });
    const rec = (await this.repo.find(id, trx))!;
    await this.deps.bus.publish(trx, "alert.updated", rec.station_id, {
      ...alertEventPayload(rec),
      ...(extra.caseId ? { caseId: extra.caseId } : {}),
      action,
    });
    return rec;
  }

  /**
   * For the case service (issue 5b): marks alerts `case_opened` inside the caller's transaction (the
   * one that creates the case), each with its audit row and `alert.updated` event. Opening a case from
   * a `new` alert counts as its acknowledgement. Throws HttpError 404 (unknown alert) or 409 (closed).
   */
  async markCaseOpened(
    trx: Transaction<DbSchema>,
    actor: Actor,
    alertIds: string[],
    caseId: string,
  ): Promise<AlertRecord[]> {
    const out: AlertRecord[] = [];
    for (const id of [...new Set(alertIds)].sort()) {
      out.push(
        await this.transition(trx, actor, id, "open_case", null, actor.id === null ? "system" : "user", {
          caseId,
        }),
      );
    }
    return out;
  }

  /** Escalates an alert still unacknowledged past its limit. Returns whether it did. */
  async escalate(id: string): Promise<boolean> {
    return this.deps.bus.transaction(async (trx) => {
      const row = await trx
        .selectFrom("alerts")
        .select(["status", "station_id", "escalated_at", "grade", "escalation_due_at"])
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (row?.status !== "new" || row.escalated_at !== null) return false;
      if (row.escalation_due_at && new Date(row.escalation_due_at).getTime() > Date.now() + 1000)
        return false;
      const now = new Date();
      await trx
        .updateTable("alerts")
        .set({ escalated_at: now, updated_at: now })
        .where("id", "=", id)
        .execute();
      await new AuditRepository(trx as unknown as Db).record({
        actorId: null,
        actorUsername: SYSTEM.username,
        action: "alert.escalate",
        targetType: "alert",
        targetId: id,
        stationId: row.station_id,
        detail: { grade: row.grade, to: "bureau" },
      });
      const rec = (await this.repo.find(id, trx))!;
      await this.deps.bus.publish(trx, "alert.updated", rec.station_id, {
        ...alertEventPayload(rec),
        action: "escalate",
        escalatedTo: "bureau",
      });
      return true;
    });
  }

  /** Escalates whatever is overdue (delayed jobs lost with a Redis that had no AOF, for instance). */
  async sweepEscalations(): Promise<number> {
    let n = 0;
    for (const a of await this.repo.dueForEscalation(new Date())) {
      if (await this.escalate(a.id)) n++;
    }
    return n;
  }

  /** The camera is back: its open camera_offline alerts are resolved by the system. */
  async resolveCameraOffline(cameraId: number): Promise<number> {
    const open = await this.deps.db
      .selectFrom("alerts")
      .select("id")
      .where("camera_id", "=", cameraId)
      .where("type", "=", "camera_offline")
      .where("status", "in", ["new", "acknowledged"])
      .execute();
    for (const a of open) {
      await this.deps.bus.transaction((trx) =>
        this.transition(trx, SYSTEM, a.id, "auto_resolve", "摄像头已恢复在线", "system"),
      );
    }
    return open.length;
  }

  // ---- views ----

  /**
   * The alert as the console shows it. With a `viewer`, `actions` lists only what that user may do
   * (acknowledge, false positive, resolve: `alert.acknowledge`; open a case: `case.create`), so a
   * read-only role gets no buttons.
   */
  toView(r: AlertRecord, viewer?: Principal): AlertView {
    const hasEvidence = r.evidence_path !== null;
    return {
      id: r.id,
      cameraId: r.camera_id,
      cameraName: r.camera_name,
      workshopId: r.workshop_id,
      workshopName: r.workshop_name,
      stationId: r.station_id,
      type: r.type,
      area: r.area,
      grade: r.grade,
      status: r.status as AlertView["status"],
      confidence: r.confidence,
      boxes: (typeof r.boxes === "string" ? JSON.parse(r.boxes) : r.boxes) as AlertView["boxes"],
      model: r.model,
      zone: r.zone,
      capturedAt: isoReq(r.captured_at),
      createdAt: isoReq(r.created_at),
      updatedAt: isoReq(r.updated_at),
      repeatCount: r.repeat_count,
      lastSeenAt: iso(r.last_seen_at),
      acknowledgedBy: r.acknowledged_by,
      acknowledgedAt: iso(r.acknowledged_at),
      ackNote: r.ack_note,
      escalationDueAt: iso(r.escalation_due_at),
      escalatedAt: iso(r.escalated_at),
      closedBy: r.closed_by,
      closedAt: iso(r.closed_at),
      closeNote: r.close_note,
      caseId: r.case_id,
      hasEvidence,
      evidenceUrl: hasEvidence
        ? `/api/alerts/${r.id}/evidence?token=${signEvidenceToken(
            this.deps.keyring.mediaToken,
            r.id,
            this.deps.options.evidenceTokenTtlSeconds,
          )}`
        : null,
      actions: availableAlertActions(r.status as AlertState).filter(
        (a) =>
          !viewer ||
          authorize(viewer, a === "open_case" ? "case.create" : "alert.acknowledge", {
            stationId: r.station_id,
          }) === "allow",
      ),
    };
  }

  async readEvidence(r: AlertRecord): Promise<Buffer> {
    if (!r.evidence_path) throw new HttpError(404, "not_found", "this alert has no evidence");
    try {
      return await this.deps.evidence.read(r.evidence_path, r.evidence_sha256);
    } catch (err) {
      if (err instanceof EvidenceError) {
        this.log.error({ alertId: r.id, code: err.code }, "evidence check failed");
        throw new HttpError(
          err.code === "missing" ? 410 : 500,
          `evidence_${err.code}`,
          "证据文件缺失或已损坏",
        );
      }
      throw err;
    }
  }
}

type DbSchema = Db extends Kysely<infer D> ? D : never;

export type { Executor };
