/** Migrations, seed and the audit log's guarantees, on PGlite and on real PostgreSQL. */

import { deriveKey } from "@mingfang/core";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/harness.js";
import { type Db, MIGRATIONS, migrateToLatest } from "./database.js";
import { demoUsers, readAnnex1, readPilotWorkshops, seedDemoUsers, seedReferenceData } from "./seed/seed.js";

describe.each(backends())("database on %s", (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  const key = deriveKey("k".repeat(40), "credentials");

  beforeAll(async () => {
    const t = await openTestDb(backend);
    db = t.db;
    close = t.close;
    await seedReferenceData(db, { credentialsKey: key });
  });
  afterAll(() => close());

  it("applies every migration, and a second run is a no-op", async () => {
    const applied = await sql<{ name: string }>`select name from mingfang_migrations order by name`.execute(
      db,
    );
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    const again = await migrateToLatest(db);
    expect(again.results).toEqual([]);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(db);
    const names = tables.rows.map((r) => r.table_name);
    for (const t of [
      "stations",
      "workshops",
      "cameras",
      "users",
      "alerts",
      "cases",
      "case_events",
      "events",
      "audit_log",
    ]) {
      expect(names).toContain(t);
    }
  });

  it("seeds the 18 stations of Annex 1 with all four 2022 targets", async () => {
    const annex = readAnnex1();
    const rows = await db.selectFrom("stations").selectAll().orderBy("id").execute();
    expect(rows).toHaveLength(18);
    for (const s of annex) {
      const r = rows.find((x) => x.name === s.name)!;
      expect(r.target_demonstration_workshops).toBe(s.targets2022.demonstrationWorkshops);
      expect(r.target_upgraded_to_enterprises).toBe(s.targets2022.upgradedToEnterprises);
      expect(r.target_video_supervision_pilots).toBe(s.targets2022.videoSupervisionPilots);
      expect(r.target_industry_association_activities).toBe(s.targets2022.industryAssociationActivities);
    }
    const totals = rows.reduce((a, r) => a + r.target_demonstration_workshops, 0);
    expect(totals).toBe(126);
  });

  it("seeds 42 pilot workshops, per station exactly as Annex 1's videoSupervisionPilots", async () => {
    const counts = await db
      .selectFrom("workshops as w")
      .innerJoin("stations as s", "s.id", "w.station_id")
      .select(["s.name", "s.target_video_supervision_pilots as target"])
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .where("w.pilot", "=", true)
      .groupBy(["s.name", "s.target_video_supervision_pilots"])
      .execute();
    expect(counts).toHaveLength(18);
    for (const c of counts) expect(Number(c.n), c.name).toBe(c.target);
    expect(counts.reduce((a, c) => a + Number(c.n), 0)).toBe(42);
    const expected = {
      明水所: 5,
      双山所: 5,
      刁镇所: 4,
      绣惠所: 4,
      埠村所: 3,
      普集所: 3,
      相公所: 2,
      黄河所: 1,
    };
    for (const [name, n] of Object.entries(expected)) {
      expect(Number(counts.find((c) => c.name === name)?.n)).toBe(n);
    }
    const demo = await db.selectFrom("workshops").select("id").where("demo_site", "=", true).execute();
    expect(demo.length).toBeGreaterThanOrEqual(3);
    expect(demo.length).toBeLessThanOrEqual(5);
  });

  it("gives every pilot workshop at least one camera, credentials sealed", async () => {
    const cams = await db.selectFrom("cameras").selectAll().execute();
    expect(cams.length).toBe(readPilotWorkshops().reduce((a, w) => a + w.cameras.length, 0));
    const perWorkshop = new Set(cams.map((c) => c.workshop_id));
    expect(perWorkshop.size).toBe(42);
    for (const c of cams) {
      expect(c.source_url_enc).toMatch(/^v1\./);
      expect(c.source_url_masked).toMatch(/^rtsp:\/\/\*\*\*@/);
    }
  });

  it("is idempotent", async () => {
    await seedReferenceData(db, { credentialsKey: key });
    const [s, w, c] = await Promise.all(
      (["stations", "workshops", "cameras"] as const).map((t) =>
        db
          .selectFrom(t)
          .select(({ fn }) => fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow(),
      ),
    );
    expect([Number(s!.n), Number(w!.n), Number(c!.n)]).toEqual([18, 42, 80]);
  });

  it("creates the demo users once: two per station and the brigade", async () => {
    expect(await seedDemoUsers(db, "password-x")).toBe(demoUsers().length);
    expect(await seedDemoUsers(db, "password-x")).toBe(0);
    const duty = await db
      .selectFrom("users")
      .selectAll()
      .where("username", "=", "mingshui.duty")
      .executeTakeFirstOrThrow();
    expect(duty.role).toBe("duty_officer");
    expect(duty.password_hash).toMatch(/^\$argon2id\$/);
  });

  it("keeps the audit log append-only", async () => {
    await db
      .insertInto("audit_log")
      .values({ actor_id: null, actor_username: "t", action: "test" })
      .execute();
    await expect(db.updateTable("audit_log").set({ action: "changed" }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(db.deleteFrom("audit_log").execute()).rejects.toThrow(/append-only/);
  });

  it("refuses a station role without a station", async () => {
    await expect(
      db
        .insertInto("users")
        .values({
          username: "bad",
          display_name: "x",
          password_hash: "x",
          role: "duty_officer",
          station_id: null,
        })
        .execute(),
    ).rejects.toThrow();
  });
});
