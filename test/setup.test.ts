import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { createTestDatabase } from "./pg.js";

describe("global setup", () => {
  it("provides a private Redis", async () => {
    const url = inject("redisUrl");
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe("redis://127.0.0.1:6379");
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    expect(await redis.ping()).toBe("PONG");
    redis.disconnect();
  });

  it.skipIf(inject("pgUrl") === null)("provides PostgreSQL and fresh databases", async () => {
    const { default: pg } = await import("pg");
    const db = await createTestDatabase(inject("pgUrl")!);
    expect(db.url).toMatch(/\/mingfang_t_[0-9a-f]{12}$/);
    const client = new pg.Client({ connectionString: db.url });
    client.on("error", () => {}); // terminated by drop()
    await client.connect();
    const { rows } = await client.query<{ db: string }>("SELECT current_database() AS db");
    expect(rows[0]?.db).toBe(db.url.split("/").pop());
    // drop() works even with a connection still open (WITH (FORCE)).
    await db.drop();
    await client.end().catch(() => {});
    const admin = new pg.Client({ connectionString: inject("pgUrl")! });
    await admin.connect();
    const left = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});
