/**
 * `mingfang backup` / `mingfang restore` as an operator runs them (the built CLI, a real PostgreSQL
 * database, pg_dump and pg_restore): seeded data, an alert with its evidence and frame, a case with a
 * photo; backed up, then rows dropped and altered and files deleted and spoiled; restored: every row and
 * every file is back, byte for byte. A damaged backup is refused before anything is touched; PGlite is
 * refused with what to do instead.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Keyring } from "@mingfang/core";
import { type Db, migrateToLatest, openDatabase, seedReferenceData } from "@mingfang/db";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/pg.js";

const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const pgUrl = inject("pgUrl");
const SECRET = randomBytes(32).toString("hex");

let tdb: TestDatabase;
let db: Db;
let close: () => Promise<void>;
let work: string;
let dataDir: string;
const media = () => path.join(dataDir, "media");

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      DATA_DIR: dataDir,
      MINGFANG_SECRET: SECRET,
      LOG_LEVEL: "warn",
      ...env,
    },
    timeout: 100_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(rel: string, bytes: Buffer): Buffer {
  const p = path.join(media(), rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return bytes;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The rows the test compares before and after (a stable order, JSON-comparable). */
async function snapshot() {
  const [alerts, cases, attachments, workshops, cameras] = await Promise.all([
    db.selectFrom("alerts").selectAll().orderBy("id").execute(),
    db.selectFrom("cases").selectAll().orderBy("id").execute(),
    db.selectFrom("case_attachments").selectAll().orderBy("id").execute(),
    db.selectFrom("workshops").select(["id", "name", "station_id"]).orderBy("id").execute(),
    db.selectFrom("cameras").select(["id", "name", "enabled"]).orderBy("id").execute(),
  ]);
  return JSON.parse(JSON.stringify({ alerts, cases, attachments, workshops, cameras }));
}

/** An alert with its evidence and frame on disk, and a case holding it with a photo. */
async function seedIncident(): Promise<Record<string, Buffer>> {
  const cam = await db
    .selectFrom("cameras as c")
    .innerJoin("workshops as w", "w.id", "c.workshop_id")
    .select(["c.id", "c.workshop_id", "w.station_id"])
    .orderBy("c.id")
    .executeTakeFirstOrThrow();
  const alertId = randomUUID();
  const evidence = file(`evidence/2026/12/${alertId}.jpg`, randomBytes(50_000));
  const frame = file(`evidence/2026/12/${alertId}.frame.jpg`, randomBytes(40_000));
  await db
    .insertInto("alerts")
    .values({
      id: alertId,
      camera_id: cam.id,
      workshop_id: cam.workshop_id,
      station_id: cam.station_id,
      type: "no_hat",
      confidence: 0.91,
      grade: 2,
      status: "new",
      captured_at: new Date(),
      evidence_path: `evidence/2026/12/${alertId}.jpg`,
      evidence_sha256: sha(evidence),
      frame_path: `evidence/2026/12/${alertId}.frame.jpg`,
      frame_sha256: sha(frame),
      acknowledged_by: null,
      acknowledged_at: null,
      ack_note: null,
      escalated_at: null,
    })
    .execute();
  const caseId = randomUUID();
  await db
    .insertInto("cases")
    .values({
      id: caseId,
      code: `T-${caseId.slice(0, 8)}`,
      station_id: cam.station_id,
      workshop_id: cam.workshop_id,
      title: "未戴帽",
      description: null,
      state: "open",
      deadline: null,
      outcome: null,
      opened_by: null,
      closed_at: null,
    } as never)
    .execute();
  await db.insertInto("case_alerts").values({ case_id: caseId, alert_id: alertId }).execute();
  const photo = file(`cases/${caseId}/photo-1.jpg`, randomBytes(120_000));
  await db
    .insertInto("case_attachments")
    .values({
      id: randomUUID(),
      case_id: caseId,
      kind: "rectification",
      mime: "image/jpeg",
      size: photo.length,
      sha256: sha(photo),
      path: `cases/${caseId}/photo-1.jpg`,
    } as never)
    .execute();
  const clip = file("clips/2026/12/clip-1.mp4", randomBytes(200_000));
  file("hls/1/segment-1.ts", randomBytes(1000)); // live segments: not backed up
  return {
    [`evidence/2026/12/${alertId}.jpg`]: evidence,
    [`evidence/2026/12/${alertId}.frame.jpg`]: frame,
    [`cases/${caseId}/photo-1.jpg`]: photo,
    "clips/2026/12/clip-1.mp4": clip,
  };
}

beforeAll(async () => {
  if (!pgUrl) return;
  work = mkdtempSync(path.join(tmpdir(), "mingfang-backup-"));
  dataDir = path.join(work, "data");
  tdb = await createTestDatabase(pgUrl);
  const h = await openDatabase({ dataDir, databaseUrl: tdb.url });
  db = h.db;
  close = () => h.close();
  await migrateToLatest(db);
  await seedReferenceData(db, { credentialsKey: new Keyring(SECRET).credentials });
});

afterAll(async () => {
  await close?.();
  await tdb?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Each test runs the CLI two or three times: room for two loaded cores.
describe.skipIf(!pgUrl)("mingfang backup / restore", { timeout: 180_000 }, () => {
  it("round trip: rows and media files are back byte for byte after being dropped, altered and spoiled", async () => {
    const files = await seedIncident();
    const before = await snapshot();
    expect(before.alerts).toHaveLength(1);
    const out = path.join(work, "backup-1");
    const b = cli(["backup", "--out", out], { DATABASE_URL: tdb.url });
    expect(b.err).toBe("");
    expect(b.code).toBe(0);
    expect(b.out).toContain("4 media files");
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest.media.files.map((f: { path: string }) => f.path).sort()).toEqual(
      Object.keys(files)
        .map((k) => `media/${k}`)
        .sort(),
    );
    expect(existsSync(path.join(out, "media/hls"))).toBe(false);
    // SHA256SUMS verifies with the system's own tool.
    const sums = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: out, encoding: "utf8" });
    expect(sums.status).toBe(0);

    // Disaster: rows gone and changed, files deleted and spoiled.
    await db.deleteFrom("case_alerts").execute();
    await db.deleteFrom("case_attachments").execute();
    await db.deleteFrom("cases").execute();
    await db.deleteFrom("alerts").execute();
    await db.updateTable("workshops").set({ name: "被改了" }).execute();
    await db.updateTable("cameras").set({ enabled: false }).execute();
    const [evidence, , photo, clip] = Object.keys(files);
    rmSync(path.join(media(), evidence!));
    writeFileSync(path.join(media(), photo!), Buffer.from("spoiled"));
    rmSync(path.join(media(), clip!));
    expect(await snapshot()).not.toEqual(before);

    const r = cli(["restore", "--from", out], { DATABASE_URL: tdb.url });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(await snapshot()).toEqual(before);
    for (const [rel, bytes] of Object.entries(files))
      expect(readFileSync(path.join(media(), rel)).equals(bytes), rel).toBe(true);
  });

  it("refuses a damaged backup before touching anything, and a non-empty --out", async () => {
    const out = path.join(work, "backup-2");
    expect(cli(["backup", "--out", out], { DATABASE_URL: tdb.url }).code).toBe(0);
    const notEmpty = cli(["backup", "--out", out], { DATABASE_URL: tdb.url });
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.err).toContain("the directory is not empty");
    await db.updateTable("workshops").set({ name: "之后的改动" }).execute();
    const dump = path.join(out, "database.dump");
    const bytes = readFileSync(dump);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(dump, bytes);
    const r = cli(["restore", "--from", out], { DATABASE_URL: tdb.url });
    expect(r.code).toBe(1);
    expect(r.err).toContain("is damaged; nothing was restored");
    expect(r.err).toContain("MISMATCH database.dump");
    const names = await db.selectFrom("workshops").select("name").distinct().execute();
    expect(names).toEqual([{ name: "之后的改动" }]);
  });

  it("refuses the embedded PGlite database with what to do instead", () => {
    const r = cli(["backup", "--out", path.join(work, "backup-3")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("embedded PGlite");
    expect(r.err).toContain("stopping mingfang and copying the whole DATA_DIR");
    expect(existsSync(path.join(work, "backup-3"))).toBe(false);
  });
});
