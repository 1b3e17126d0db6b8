/**
 * Several processes starting at once on an empty PostgreSQL database (an upgrade that restarts every
 * API instance together): each runs the migrations and makes sure of the first admin. The migrations run
 * once, behind Kysely's migration lock (a PostgreSQL advisory lock), and leave the same schema as one
 * process alone; exactly one process creates the admin, and only its password is reported.
 * (The same, with two real `mingfang serve --roles api` processes: test/e2e/multi-api.e2e.test.ts.)
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/pg.js";
import { schemaSnapshot } from "../../../test/support/schema-snapshot.js";
import { verifyPassword } from "./auth/password.js";
import { type DatabaseHandle, MIGRATIONS, migrateToLatest, openDatabase } from "./database.js";
import { ensureAdmin } from "./seed/seed.js";

const pgUrl = inject("pgUrl");
const PROCESSES = 4;

describe.skipIf(pgUrl === null)("several processes starting at once on one PostgreSQL database", () => {
  const dbs: TestDatabase[] = [];
  const handles: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const h of handles) await h.close();
    for (const d of dbs) await d.drop();
  });

  async function connections(n: number): Promise<{ url: string; handles: DatabaseHandle[] }> {
    const t = await createTestDatabase(pgUrl as string);
    dbs.push(t);
    const hs = await Promise.all(
      Array.from({ length: n }, () => openDatabase({ dataDir: "", databaseUrl: t.url })),
    );
    handles.push(...hs);
    return { url: t.url, handles: hs };
  }

  it("migrates once, without error, to the schema one process alone makes", async () => {
    const together = await connections(PROCESSES);
    const results = await Promise.all(together.handles.map((h) => migrateToLatest(h.db)));
    // Every migration was applied by exactly one of them; the others found nothing left to do.
    const applied = results.flatMap((r) => (r.results ?? []).map((m) => `${m.migrationName} ${m.status}`));
    expect(applied.sort()).toEqual(Object.keys(MIGRATIONS).map((m) => `${m} Success`));
    const rows = await together.handles[0]!.db.selectFrom("mingfang_migrations" as never)
      .selectAll()
      .execute();
    expect(rows).toHaveLength(Object.keys(MIGRATIONS).length);

    const alone = await connections(1);
    await migrateToLatest(alone.handles[0]!.db);
    const [got, want] = await Promise.all([schemaSnapshot(together.url), schemaSnapshot(alone.url)]);
    expect(want.length).toBeGreaterThan(100);
    expect(got).toEqual(want);
  });

  it("creates the first admin once, and reports only the password that works", async () => {
    const { handles: hs } = await connections(PROCESSES);
    await migrateToLatest(hs[0]!.db);
    const results = await Promise.all(hs.map((h) => ensureAdmin(h.db, undefined)));
    const made = results.filter((r) => r.created);
    expect(made).toHaveLength(1);
    expect(results.filter((r) => r.generatedPassword)).toHaveLength(1);
    const admin = await hs[0]!.db
      .selectFrom("users")
      .select("password_hash")
      .where("username", "=", "admin")
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(admin.password_hash, made[0]!.generatedPassword!)).toBe(true);
    // A configured password on a database that has its admin changes nothing.
    const again = await ensureAdmin(hs[1]!.db, `p-${randomBytes(4).toString("hex")}`);
    expect(again).toEqual({ created: false });
  });
});
