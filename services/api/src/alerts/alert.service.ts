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
  alertActionPermission,
  authorize,
  availableAlertActions,
  type BlobStore,
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
import { AuditRepository } from "../audit/audit.repository.js";
import { HttpError } from "../errors.js";
import type { EventBus, Executor } from "../events/event-bus.js";
import {
  type AlertRecord,
  AlertRepository,
  type AlertStatePatch,
  type CameraContext,
  type StoredFile,
} from "./alert.repository.js";
import { alertEventPayload, alertView } from "./alert.views.js";
import { type AlertMedia, loadAlertMedia } from "./alert-media.js";
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

/** Checks an alert job from the queue: the job, or the outcome that rejects it. Pure. */
export function checkAlertJob(
  data: unknown,
): { ok: true; job: AlertJob } | { ok: false; outcome: Extract<IntakeOutcome, { outcome: "rejected" }> } {
  const reject = (alertId: string | null, reason: string) =>
    ({ ok: false, outcome: { outcome: "rejected", alertId, reason } }) as const;
  if (!Value.Check(AlertJob, data)) {
    const first = [...Value.Errors(AlertJob, data)][0];
    const id = typeof (data as { id?: unknown })?.id === "string" ? (data as { id: string }).id : null;
    return reject(id, `invalid payload: ${first?.instancePath ?? ""} ${first?.message ?? ""}`);
  }
  const job = data as AlertJob;
  if (!TYPE_PATTERN.test(job.type)) return reject(job.id, `bad type '${job.type}'`);
  return { ok: true, job };
}

/** What one intake knows once its job is checked and its files are stored. */
export interface IntakeStep {
  job: AlertJob;
  cam: CameraContext;
  capturedAt: Date;
  now: Date;
  evidence: StoredFile;
  frame: StoredFile;
}

/** What the intake transaction did, and what is left to do after its commit. */
interface Recorded {
  outcome: IntakeOutcome;
  /** A redelivery of a detection that was folded: its files are dropped like the fold's. */
  duplicateOfFold: boolean;
  escalation?: { grade: number; dueAt: Date };
}

/** The record of a new alert as intake inserts it (and publishes it). Pure. */
export function newAlertRecord(s: IntakeStep, grade: number, dueAt: Date): AlertRecord {
  const { job, cam, now } = s;
  return {
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
    model_version: job.modelVersion ?? null,
    zone: job.zone ?? null,
    captured_at: s.capturedAt,
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
    evidence_path: s.evidence.path,
    evidence_sha256: s.evidence.sha,
    frame_path: s.frame.path,
    frame_sha256: s.frame.sha,
    case_id: null,
  };
}

/**
 * The columns a lifecycle transition sets: the new status; the acknowledgement (by an `acknowledge`,
 * with its note, or by a transition that counts as one); the closing (any state but `acknowledged`).
 * Pure.
 */
export function alertTransitionPatch(
  t: { to: AlertState; acknowledges: boolean },
  action: AlertAction,
  actorId: number | null,
  note: string | null,
  now: Date,
): AlertStatePatch {
  const closing = t.to !== "acknowledged";
  return {
    status: t.to,
    updated_at: now,
    ...(t.acknowledges || action === "acknowledge"
      ? {
          acknowledged_by: actorId,
          acknowledged_at: now,
          ...(action === "acknowledge" ? { ack_note: note } : {}),
        }
      : {}),
    ...(closing ? { closed_by: actorId, closed_at: now, close_note: note } : {}),
  };
}

/** The actions of an alert a viewer may take (all of them without a viewer). Pure. */
export function alertActionsFor(
  r: Pick<AlertRecord, "status" | "station_id">,
  viewer?: Principal,
): AlertAction[] {
  return availableAlertActions(r.status as AlertState).filter(
    (a) => !viewer || authorize(viewer, alertActionPermission(a), { stationId: r.station_id }) === "allow",
  );
}

export interface AlertServiceDeps {
  db: Db;
  bus: EventBus;
  evidence: EvidenceStore;
  /** Where the alert jobs' images are (blobs the jobs refer to). */
  blobs: Pick<BlobStore, "get">;
  keyring: Keyring;
  logger: Logger;
  options: AlertsOptions;
  /** Schedules the escalation check of an alert (a delayed BullMQ job). */
  scheduleEscalation: (alertId: string, grade: number, delayMs: number) => Promise<void>;
  /** Gives a new alert its video clip (recordings/clip.service.ts: a pending row and a delayed job). */
  scheduleClip?: (alert: {
    alertId: string;
    cameraId: number;
    type: string;
    capturedAt: Date;
  }) => Promise<void>;
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
    const checked = checkAlertJob(data);
    if (!checked.ok) return checked.outcome;
    const job = checked.job;
    const loaded = await loadAlertMedia(job, this.deps.blobs);
    if ("reason" in loaded) return { outcome: "rejected", alertId: job.id, reason: loaded.reason };
    // (The duplicate check is inside the transaction: a redelivered job rewrites the same evidence file
    // with the same bytes, then stops there.)
    const cam = await this.cameraContext(job.cameraId);
    if (!cam) return { outcome: "rejected", alertId: job.id, reason: `unknown camera ${job.cameraId}` };
    const capturedAt = new Date(job.capturedAt);
    const files = await this.storeFiles(job, loaded.media, cam, capturedAt);
    if (!files.ok) return files.outcome;
    const now = new Date();
    const step: IntakeStep = { job, cam, capturedAt, now, ...files };
    // The escalation job is scheduled after the commit; if this process dies in between, the escalation
    // sweep finds the alert by its escalation_due_at.
    const result = await this.deps.bus.transaction((trx) => this.record(trx, step));
    await this.afterCommit(step, result);
    return result.outcome;
  }

  /**
   * The evidence (boxes drawn), then the undrawn frame (for training sets), each checked against its
   * SHA-256; either one not matching rejects the alert, and nothing of it stays on disk.
   */
  private async storeFiles(
    job: AlertJob,
    media: AlertMedia,
    cam: CameraContext,
    capturedAt: Date,
  ): Promise<{ ok: true; evidence: StoredFile; frame: StoredFile } | { ok: false; outcome: IntakeOutcome }> {
    const store = this.deps.evidence;
    const files = [
      { kind: "evidence", bytes: media.evidence, sha: job.evidenceSha256, rel: store.relPath },
      { kind: "frame", bytes: media.frame, sha: job.frameSha256, rel: store.framePath },
    ] as const;
    const stored: StoredFile[] = [];
    for (const f of files) {
      if (!f.bytes) {
        stored.push({ path: null, sha: null });
        continue;
      }
      const rel = f.rel.call(store, cam.station_id, capturedAt, job.id);
      try {
        stored.push({ path: rel, sha: await store.write(rel, f.bytes, f.sha) });
      } catch (err) {
        await this.removeFiles(stored);
        if (err instanceof EvidenceError && err.code === "hash_mismatch") {
          return {
            ok: false,
            outcome: { outcome: "rejected", alertId: job.id, reason: `${f.kind}: ${err.message}` },
          };
        }
        throw err;
      }
    }
    return { ok: true, evidence: stored[0]!, frame: stored[1]! };
  }

  private async removeFiles(files: StoredFile[]): Promise<void> {
    for (const s of files) if (s.path) await this.deps.evidence.remove(s.path).catch(() => {});
  }

  /** Inside the intake transaction: a duplicate, a detection folded into an open alert, or a new alert. */
  private async record(trx: Transaction<DbSchema>, s: IntakeStep): Promise<Recorded> {
    const { job, cam } = s;
    await this.repo.lockCamera(trx, cam.id);
    const taken = await this.repo.taken(job.id, trx);
    if (taken)
      return { outcome: { outcome: "duplicate", alertId: job.id }, duplicateOfFold: taken === "folded" };
    const into = await this.openAlertToFoldInto(trx, s);
    if (into) {
      await this.repo.fold(trx, { jobId: job.id, into, capturedAt: s.capturedAt, now: s.now });
      return { outcome: { outcome: "folded", alertId: job.id, into }, duplicateOfFold: false };
    }
    return this.createAlert(trx, s);
  }

  /** The open alert of the same camera and type within the cooldown, if any. */
  private async openAlertToFoldInto(trx: Transaction<DbSchema>, s: IntakeStep): Promise<string | null> {
    const { cooldownMinutes } = this.deps.options;
    if (cooldownMinutes <= 0) return null;
    const since = new Date(s.now.getTime() - cooldownMinutes * 60_000);
    const open = await this.repo.openAlertFor(trx, s.cam.id, s.job.type, since);
    return open?.id ?? null;
  }

  /** Grades and inserts the alert, with its audit row and its `alert.created` event (last). */
  private async createAlert(trx: Transaction<DbSchema>, s: IntakeStep): Promise<Recorded> {
    const { job, cam, now } = s;
    const policy = this.deps.options.gradePolicy;
    const since = new Date(now.getTime() - policy.repetition.windowHours * 3600_000);
    const recent = await this.repo.countRecent(trx, cam.workshop_id, job.type, since);
    const grade = gradeAlert({ type: job.type, area: cam.area, recentSameType: recent }, policy);
    const dueAt = new Date(now.getTime() + ackLimitMs(grade, policy));
    const rec = newAlertRecord(s, grade, dueAt);
    await this.repo.insert(trx, rec, s.frame);
    await new AuditRepository(trx as unknown as Db).record({
      actorId: null,
      actorUsername: SYSTEM.username,
      action: "alert.intake",
      targetType: "alert",
      targetId: job.id,
      stationId: cam.station_id,
      detail: { cameraId: cam.id, type: job.type, grade, confidence: job.confidence },
    });
    const { seq } = await this.deps.bus.publish(trx, "alert.created", cam.station_id, alertEventPayload(rec));
    return {
      outcome: { outcome: "created", alertId: job.id, seq },
      duplicateOfFold: false,
      escalation: { grade, dueAt },
    };
  }

  /** After the commit: schedule the escalation and the clip of a new alert, or drop the files of a folded one. */
  private async afterCommit(s: IntakeStep, r: Recorded): Promise<void> {
    if (r.outcome.outcome === "created" && r.escalation) {
      const { grade, dueAt } = r.escalation;
      const delay = Math.max(0, dueAt.getTime() - Date.now());
      await this.deps.scheduleEscalation(s.job.id, grade, delay).catch((err: Error) => {
        this.log.warn(
          { err: err.message, alertId: s.job.id },
          "escalation not scheduled; the sweep will catch it",
        );
      });
      await this.deps
        .scheduleClip?.({ alertId: s.job.id, cameraId: s.cam.id, type: s.job.type, capturedAt: s.capturedAt })
        .catch((err: Error) => {
          this.log.warn(
            { err: err.message, alertId: s.job.id },
            "clip not scheduled; the clip sweep will catch it",
          );
        });
    } else if (r.outcome.outcome === "folded" || r.duplicateOfFold) {
      // A folded detection (or its redelivery) keeps no evidence file of its own.
      await this.removeFiles([s.evidence, s.frame]);
    }
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
    const row = await this.repo.lockState(trx, id);
    if (!row) throw new HttpError(404, "not_found", "alert not found");
    const t = transitionAlert(row.status as AlertState, action, { actor: actorKind, note });
    if (!t.ok) {
      if (t.reason === "note_required")
        throw new HttpError(400, "validation_failed", "a note is required", "note");
      throw new HttpError(409, "invalid_transition", `cannot ${action} an alert that is ${row.status}`);
    }
    await this.repo.update(trx, id, alertTransitionPatch(t, action, actor.id, note, new Date()));
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
      const row = await this.repo.lockForEscalation(trx, id);
      if (row?.status !== "new" || row.escalated_at !== null) return false;
      if (row.escalation_due_at && new Date(row.escalation_due_at).getTime() > Date.now() + 1000)
        return false;
      const now = new Date();
      await this.repo.update(trx, id, { escalated_at: now, updated_at: now });
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
    const open = await this.repo.openCameraOffline(cameraId);
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
    // One token opens the alert's files (it signs the alert's id, not a file).
    const token = () =>
      signEvidenceToken(this.deps.keyring.mediaToken, r.id, this.deps.options.evidenceTokenTtlSeconds);
    const urls = {
      evidenceUrl: r.evidence_path !== null ? `/api/alerts/${r.id}/evidence?token=${token()}` : null,
      frameUrl: r.frame_path !== null ? `/api/alerts/${r.id}/frame?token=${token()}` : null,
    };
    return alertView(r, urls, alertActionsFor(r, viewer));
  }

  /** The evidence JPEG (boxes drawn) or the undrawn frame, checked against its stored SHA-256. */
  async readMedia(r: AlertRecord, kind: "evidence" | "frame"): Promise<Buffer> {
    const [rel, sha] =
      kind === "evidence" ? [r.evidence_path, r.evidence_sha256] : [r.frame_path, r.frame_sha256];
    if (!rel) throw new HttpError(404, "not_found", `this alert has no ${kind}`);
    try {
      return await this.deps.evidence.read(rel, sha);
    } catch (err) {
      if (err instanceof EvidenceError) {
        this.log.error({ alertId: r.id, kind, code: err.code }, `${kind} check failed`);
        throw new HttpError(
          err.code === "missing" ? 410 : 500,
          `${kind}_${err.code}`,
          kind === "evidence" ? "证据文件缺失或已损坏" : "原始画面文件缺失或已损坏",
        );
      }
      throw err;
    }
  }
}

type DbSchema = Db extends Kysely<infer D> ? D : never;

export type { Executor };
