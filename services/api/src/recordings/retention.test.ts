/**
 * Retention and the disk watermark on a real, small file system: a 24 MiB tmpfs mounted for the test (the
 * tests run as root; otherwise the test re-runs itself in a user and mount namespace with `unshare -rm`),
 * a real database (PGlite) with alerts in every state, cases open and closed, chunks, clips, evidence and
 * case photos on that file system. Shows: the oldest continuous chunks go first and only as many as
 * needed; protected evidence and clips (alerts under review, open cases) stay, whatever the disk; age limits
 * purge files and mark the rows; the counts reach the metrics callback.
 */
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, Keyring } from "@mingfang/core";
import { type Db, seedReferenceData } from "@mingfang/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openTestDb } from "../../../../test/support/harness.js";
import { Retention, statfsFreePercent } from "./retention.js";
import { RetentionRepository } from "./retention.repository.js";

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const isRoot = process.getuid?.() === 0;
/** Only the variant that fits this machine is defined: a skipped test would hide the other. */
const asRoot = isRoot ? describe : (_name: string, _fn: () => void) => {};
const notRoot = isRoot ? (_name: string, _fn: () => void) => {} : describe;

/** Mounts a tmpfs of `mib` MiB at `dir` (root), or reports why it cannot. */
function mountTmpfs(dir: string, mib: number): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir]);
}

asRoot("retention and the disk watermark (tmpfs)", () => {
  let media: string;
  let db: Db;
  let close: () => Promise<void>;
  let cameraId: number;
  let stationId: number;
  let workshopId: number;
  const logLines: string[] = [];
  const logger = createLogger({ level: "info" }, { write: (s: string) => void logLines.push(s) } as never);
  const deletions: [string, string, number, number][] = [];

  beforeAll(async () => {
    media = await mkdtemp(path.join(tmpdir(), "retention-"));
    mountTmpfs(media, 24);
    const h = await openTestDb("pglite");
    db = h.db;
    close = h.close;
    await seedReferenceData(db, { credentialsKey: new Keyring(randomBytes(32).toString("hex")).credentials });
    const cam = await db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.workshop_id", "w.station_id"])
      .orderBy("c.id")
      .executeTakeFirstOrThrow();
    cameraId = cam.id;
    workshopId = cam.workshop_id;
    stationId = cam.station_id;
  });
  afterAll(async () => {
    await close?.();
    if (media) {
      execFileSync("umount", [media]);
      await rm(media, { recursive: true, force: true });
    }
  });
  beforeEach(async () => {
    await db.deleteFrom("case_attachments").execute();
    await db.deleteFrom("case_alerts").execute();
    await db.deleteFrom("cases").execute();
    await db.deleteFrom("alert_clips").execute();
    await db.deleteFrom("alerts").execute();
    await db.deleteFrom("recording_chunks").execute();
    await rm(path.join(media, "rec"), { recursive: true, force: true });
    await rm(path.join(media, "clips"), { recursive: true, force: true });
    await rm(path.join(media, "evidence"), { recursive: true, force: true });
    await rm(path.join(media, "cases"), { recursive: true, force: true });
    await rm(path.join(media, "filler.bin"), { force: true });
    deletions.length = 0;
    logLines.length = 0;
  });

  async function file(rel: string, bytes: number): Promise<void> {
    await mkdir(path.dirname(path.join(media, rel)), { recursive: true });
    await writeFile(path.join(media, rel), Buffer.alloc(bytes, 7));
  }

  /** `n` chunks of `mib` MiB each, one a minute from `from`, oldest first; their paths. */
  async function chunks(n: number, mib: number, from: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const start = from + i * 60_000;
      const rel = `rec/${cameraId}/${new Date(start).toISOString().slice(0, 10)}/00/${start}.ts`;
      await file(rel, mib * MiB);
      await db
        .insertInto("recording_chunks")
        .values({
          camera_id: cameraId,
          started_at: new Date(start),
          ended_at: new Date(start + 60_000),
          bytes: mib * MiB,
          path: rel,
          parts: JSON.stringify([[mib * MiB, 60_000]]),
        })
        .execute();
      out.push(rel);
    }
    return out;
  }

  /** An alert in `status` captured at `at`, with evidence + frame and a clip of `clipMib` MiB on disk. */
  async function alert(status: string, at: Date, clipMib = 1): Promise<{ id: string; files: string[] }> {
    const id = randomUUID();
    const ev = `evidence/${stationId}/${at.toISOString().slice(0, 7)}/${id}.jpg`;
    const frame = ev.replace(/\.jpg$/, ".frame.jpg");
    const clip = `clips/${stationId}/${at.toISOString().slice(0, 7)}/${id}.mp4`;
    await file(ev, 50_000);
    await file(frame, 50_000);
    await file(clip, clipMib * MiB);
    await db
      .insertInto("alerts")
      .values({
        id,
        camera_id: cameraId,
        workshop_id: workshopId,
        station_id: stationId,
        type: "no_hat",
        confidence: 0.9,
        grade: 2,
        status,
        captured_at: at,
        created_at: at,
        evidence_path: ev,
        evidence_sha256: "0".repeat(64),
        frame_path: frame,
        acknowledged_by: null,
        acknowledged_at: null,
        ack_note: null,
        escalated_at: null,
      })
      .execute();
    await db
      .insertInto("alert_clips")
      .values({
        alert_id: id,
        camera_id: cameraId,
        status: "ready",
        requested_from: at,
        requested_to: at,
        path: clip,
        bytes: clipMib * MiB,
        sha256: "0".repeat(64),
      })
      .execute();
    return { id, files: [ev, frame, clip] };
  }

  /** A case in `state` holding the alerts, closed `closedAt` when closed; a photo of it on disk. */
  async function caseOf(state: string, alertIds: string[], closedAt: Date | null = null): Promise<string> {
    const id = randomUUID();
    await db
      .insertInto("cases")
      .values({
        id,
        code: `T-${id.slice(0, 8)}`,
        station_id: stationId,
        workshop_id: workshopId,
        title: "test",
        description: null,
        state,
        deadline: null,
        outcome: state === "closed" ? "false_alarm" : null,
        opened_by: null,
        closed_at: closedAt,
      } as never)
      .execute();
    for (const a of alertIds)
      await db.insertInto("case_alerts").values({ case_id: id, alert_id: a }).execute();
    const photo = `cases/${id}/photo.jpg`;
    await file(photo, 10_000);
    await db
      .insertInto("case_attachments")
      .values({
        id: randomUUID(),
        case_id: id,
        kind: "rectification",
        mime: "image/jpeg",
        size: 10_000,
        sha256: "0",
        path: photo,
      } as never)
      .execute();
    return photo;
  }

  const exists = (rel: string) => existsSync(path.join(media, rel));

  const make = (o: Partial<ConstructorParameters<typeof Retention>[0]> = {}) =>
    new Retention(
      {
        mediaDir: media,
        continuousDays: 7,
        clipDays: 180,
        evidenceDays: 365,
        casePhotoDays: 1095,
        minFreePercent: 10,
        sweepMs: 60_000,
        batch: 2,
        ...o,
      },
      {
        repo: new RetentionRepository(db),
        logger,
        onDeleted: (kind, reason, files, bytes) => deletions.push([kind, reason, files, bytes]),
      },
    );

  it("below the watermark deletes the oldest continuous chunks first, only as many as needed", async () => {
    const now = Date.now();
    const recs = await chunks(10, 1, now - 3_600_000); // 10 MiB, all recent
    const closed = await alert("resolved", new Date(now - DAY)); // unprotected clip: not needed
    await file("filler.bin", 9 * MiB); // ≈ 20.2 MiB of 24 used: ≈ 16 % free
    const before = await statfsFreePercent(media);
    expect(before).toBeLessThan(20);
    const r = await make({ minFreePercent: 30 }).sweep(); // needs ≈ 3.5 MiB more: 4 chunks (2 batches)
    expect(r.watermarkUnmet).toBe(false);
    expect(r.freePercent).toBeGreaterThanOrEqual(30);
    expect(recs.map(exists)).toEqual([false, false, false, false, true, true, true, true, true, true]);
    const left = await db.selectFrom("recording_chunks").select("path").orderBy("started_at").execute();
    expect(left.map((c) => c.path)).toEqual(recs.slice(4));
    expect(closed.files.every(exists)).toBe(true);
    expect(deletions).toEqual([
      ["continuous", "watermark", 2, 2 * MiB],
      ["continuous", "watermark", 2, 2 * MiB],
    ]);
    expect(logLines.filter((l) => l.includes("retention: sweep done"))).toHaveLength(1);
    expect(logLines.find((l) => l.includes("sweep done"))).toContain('"continuous:watermark":4');
  });

  it("never deletes protected clips and evidence, even when the watermark cannot be met", async () => {
    const now = Date.now();
    const recs = await chunks(3, 1, now - 3_600_000);
    const underReview = await alert("new", new Date(now - 2 * DAY), 2);
    const acknowledged = await alert("acknowledged", new Date(now - 2 * DAY), 2);
    const inOpenCase = await alert("case_opened", new Date(now - 3 * DAY), 2);
    await caseOf("rectification_ordered", [inOpenCase.id]);
    const orphanCaseOpened = await alert("case_opened", new Date(now - 3 * DAY), 1);
    const falsePositive = await alert("false_positive", new Date(now - 4 * DAY), 2);
    const inClosedCase = await alert("case_opened", new Date(now - 5 * DAY), 2);
    await caseOf("closed", [inClosedCase.id], new Date(now - 4 * DAY));
    await file("filler.bin", 8 * MiB);
    const r = await make({ minFreePercent: 95 }).sweep();
    expect(r.watermarkUnmet).toBe(true);
    expect(recs.some(exists)).toBe(false); // every chunk went first
    // Then the unprotected clips (oldest first); their evidence stays (the watermark takes clips only).
    expect(exists(inClosedCase.files[2] as string)).toBe(false);
    expect(exists(falsePositive.files[2] as string)).toBe(false);
    expect(exists(falsePositive.files[0] as string)).toBe(true);
    for (const p of [underReview, acknowledged, inOpenCase, orphanCaseOpened])
      expect(p.files.every(exists)).toBe(true);
    const purged = await db.selectFrom("alert_clips").select(["alert_id", "purged_at"]).execute();
    const purgedIds = purged
      .filter((c) => c.purged_at)
      .map((c) => c.alert_id)
      .sort();
    expect(purgedIds).toEqual([falsePositive.id, inClosedCase.id].sort());
    expect(purged).toHaveLength(6); // rows kept
    expect(logLines.some((l) => l.includes("only protected material is left"))).toBe(true);
    expect(deletions.map((d) => d[0])).toEqual(["continuous", "continuous", "clip"]);
  });

  it("purges by age: chunks (file and row), clips and evidence (file, row marked), photos of closed cases", async () => {
    const now = Date.now();
    const oldRecs = await chunks(2, 1, now - 8 * DAY);
    const newRecs = await chunks(1, 1, now - DAY);
    const oldClosed = await alert("resolved", new Date(now - 400 * DAY), 0);
    const oldReview = await alert("acknowledged", new Date(now - 400 * DAY), 0);
    const oldInOpenCase = await alert("case_opened", new Date(now - 400 * DAY), 0);
    const openPhoto = await caseOf("dispatched", [oldInOpenCase.id]);
    const oldInClosedCase = await alert("case_opened", new Date(now - 400 * DAY), 0);
    const closedPhoto = await caseOf("closed", [oldInClosedCase.id], new Date(now - 1100 * DAY));
    const midClosed = await alert("false_positive", new Date(now - 200 * DAY), 0); // clip old, evidence not
    // The unindexed file of a chunk open when the API was killed, in a day folder past the limit; and one
    // in a day folder still inside it.
    const orphanOld = `rec/${cameraId}/${new Date(now - 9 * DAY).toISOString().slice(0, 10)}/03/1.ts`;
    const orphanNew = `rec/${cameraId}/${new Date(now - 2 * DAY).toISOString().slice(0, 10)}/03/2.ts`;
    await file(orphanOld, 1000);
    await file(orphanNew, 1000);
    const r = await make().sweep();
    expect(r.watermarkUnmet).toBe(false);
    expect(oldRecs.some(exists)).toBe(false);
    expect(newRecs.every(exists)).toBe(true);
    expect([exists(orphanOld), exists(orphanNew)]).toEqual([false, true]);
    expect(exists(path.dirname(path.dirname(oldRecs[0] as string)))).toBe(false); // its day folder too
    expect(await db.selectFrom("recording_chunks").select("path").execute()).toEqual([{ path: newRecs[0] }]);
    for (const a of [oldClosed, oldInClosedCase]) expect(a.files.some(exists)).toBe(false);
    for (const a of [oldReview, oldInOpenCase]) expect(a.files.every(exists)).toBe(true);
    expect(exists(midClosed.files[2] as string)).toBe(false);
    expect(exists(midClosed.files[0] as string)).toBe(true);
    const alerts = await db.selectFrom("alerts").select(["id", "evidence_purged_at"]).execute();
    const purgedEvidence = alerts
      .filter((a) => a.evidence_purged_at)
      .map((a) => a.id)
      .sort();
    expect(purgedEvidence).toEqual([oldClosed.id, oldInClosedCase.id].sort());
    expect(exists(closedPhoto)).toBe(false);
    expect(exists(openPhoto)).toBe(true);
    const photos = await db.selectFrom("case_attachments").select(["path", "purged_at"]).execute();
    expect(photos.find((p) => p.path === closedPhoto)?.purged_at).toBeTruthy();
    expect(photos.find((p) => p.path === openPhoto)?.purged_at).toBeNull();
    const kinds = Object.fromEntries(Object.entries(r.deleted).map(([k, v]) => [k, v?.files]));
    expect(kinds).toEqual({ "continuous:age": 2, "clip:age": 3, "evidence:age": 2, "case_photo:age": 1 });
    // A second sweep finds nothing more.
    const again = await make().sweep();
    expect(again.deleted).toEqual({});
  });
});

notRoot("retention (not root)", () => {
  it("runs the tmpfs test in a user and mount namespace", () => {
    // Not root: re-run this file under `unshare -rm` (root in a namespace of its own), never skip.
    const out = execFileSync(
      "unshare",
      ["-rm", "npx", "vitest", "run", path.relative(process.cwd(), new URL(import.meta.url).pathname)],
      { env: { ...process.env, CI: "true" }, encoding: "utf8", stdio: "pipe" },
    );
    expect(out).toMatch(/passed/);
  });
});
