/**
 * The queries of retention and the disk watermark (retention.ts). Every purge candidate of an alert
 * (its clip, its evidence) is filtered by the protection rule, in SQL:
 *
 * An alert's evidence and clip are PROTECTED — never deleted, whatever their age or the disk — while
 *  - the alert is under review: its status is one of the open states of the alert lifecycle
 *    (`OPEN_ALERT_STATES` in services/core/src/domain/alert-lifecycle.ts: `new`, `acknowledged`), or
 *  - a case that is not `closed` (services/core/src/domain/case-state.ts) holds it (`case_alerts`), or
 *  - its status is `case_opened` and no case holds it (a case we cannot see is treated as open).
 * Only alerts that are `false_positive`, `resolved`, or `case_opened` with all their cases closed may
 * lose their evidence and clip to retention.
 */
import { ALERT_STATES, OPEN_ALERT_STATES } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import { type ExpressionBuilder, sql } from "kysely";

/** Alert statuses whose material retention may delete (the complement of the open states). */
export const CLOSED_ALERT_STATES = ALERT_STATES.filter((s) => !OPEN_ALERT_STATES.includes(s));

export interface PurgeFile {
  /** Row key: chunk id, alert id or attachment id. */
  id: string;
  /** Paths relative to DATA_DIR/media. */
  paths: string[];
  bytes: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the alias `a` of whichever query joins alerts
type AlertsEb = ExpressionBuilder<any, any>;

/** The protection rule above, as a filter on a query that has `alerts as a`. */
function unprotected(eb: AlertsEb) {
  const openCase = eb
    .selectFrom("case_alerts as ca")
    .innerJoin("cases as cs", "cs.id", "ca.case_id")
    .select(sql`1`.as("one"))
    .whereRef("ca.alert_id", "=", "a.id")
    .where("cs.state", "!=", "closed");
  const anyCase = eb
    .selectFrom("case_alerts as ca2")
    .select(sql`1`.as("one"))
    .whereRef("ca2.alert_id", "=", "a.id");
  return eb.and([
    eb("a.status", "in", CLOSED_ALERT_STATES),
    eb.not(eb.exists(openCase)),
    eb.or([eb("a.status", "!=", "case_opened"), eb.exists(anyCase)]),
  ]);
}

export class RetentionRepository {
  constructor(private readonly db: Db) {}

  /** Continuous chunks that started before `before`, oldest first (or the oldest of all: `before` null). */
  async chunks(before: Date | null, limit: number): Promise<PurgeFile[]> {
    let q = this.db.selectFrom("recording_chunks").select(["id", "path", "bytes"]);
    if (before) q = q.where("started_at", "<", before);
    const rows = await q.orderBy("started_at").orderBy("id").limit(limit).execute();
    return rows.map((r) => ({ id: String(r.id), paths: [r.path], bytes: Number(r.bytes) }));
  }

  async deleteChunks(ids: string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom("recording_chunks").where("id", "in", ids).execute();
  }

  /** Unprotected clips with a file, of alerts captured before `before` (null: any age), oldest first. */
  async clips(before: Date | null, limit: number): Promise<PurgeFile[]> {
    let q = this.db
      .selectFrom("alert_clips as k")
      .innerJoin("alerts as a", "a.id", "k.alert_id")
      .select(["k.alert_id", "k.path", "k.bytes"])
      .where("k.purged_at", "is", null)
      .where("k.path", "is not", null)
      .where((eb) => unprotected(eb));
    if (before) q = q.where("a.captured_at", "<", before);
    const rows = await q.orderBy("a.captured_at").limit(limit).execute();
    return rows.map((r) => ({ id: r.alert_id, paths: [r.path as string], bytes: Number(r.bytes ?? 0) }));
  }

  async markClipsPurged(alertIds: string[], at: Date): Promise<void> {
    if (!alertIds.length) return;
    await this.db
      .updateTable("alert_clips")
      .set({ purged_at: at, updated_at: at })
      .where("alert_id", "in", alertIds)
      .execute();
  }

  /** Unprotected alerts captured before `before` whose evidence (or frame) is still on disk. */
  async evidence(before: Date, limit: number): Promise<PurgeFile[]> {
    const rows = await this.db
      .selectFrom("alerts as a")
      .select(["a.id", "a.evidence_path", "a.frame_path"])
      .where("a.evidence_purged_at", "is", null)
      .where((eb) => eb.or([eb("a.evidence_path", "is not", null), eb("a.frame_path", "is not", null)]))
      .where("a.captured_at", "<", before)
      .where((eb) => unprotected(eb))
      .orderBy("a.captured_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      paths: [r.evidence_path, r.frame_path].filter((p): p is string => !!p),
      bytes: 0,
    }));
  }

  async markEvidencePurged(alertIds: string[], at: Date): Promise<void> {
    if (alertIds.length)
      await this.db
        .updateTable("alerts")
        .set({ evidence_purged_at: at })
        .where("id", "in", alertIds)
        .execute();
  }

  /** Photos of cases closed before `before`, not purged yet. */
  async casePhotos(before: Date, limit: number): Promise<PurgeFile[]> {
    const rows = await this.db
      .selectFrom("case_attachments as p")
      .innerJoin("cases as c", "c.id", "p.case_id")
      .select(["p.id", "p.path", "p.size"])
      .where("p.purged_at", "is", null)
      .where("c.state", "=", "closed")
      .where("c.closed_at", "<", before)
      .orderBy("c.closed_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: String(r.id), paths: [r.path], bytes: Number(r.size) }));
  }

  async markCasePhotosPurged(ids: string[], at: Date): Promise<void> {
    if (ids.length)
      await this.db.updateTable("case_attachments").set({ purged_at: at }).where("id", "in", ids).execute();
  }
}
