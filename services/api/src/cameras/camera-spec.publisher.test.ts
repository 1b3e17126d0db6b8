/**
 * The camera specs the ingest runs on: written to Redis (sealed URLs, as stored) and announced when a camera
 * is created, changed or deleted over the API, and the whole hash rewritten at start.
 */
import {
  type CameraSpecRecord,
  createRedis,
  parseCameraSpecRecord,
  REDIS_KEYS,
  type Redis,
} from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { resyncCameraSpecs } from "./camera-spec.publisher.js";

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("camera specs for the ingest", () => {
  let t: TestApp;
  let sub: Redis;
  let admin: string;
  const announced: number[] = [];
  const spec = async (id: number): Promise<CameraSpecRecord | undefined> =>
    parseCameraSpecRecord(await t.redis.hget(REDIS_KEYS.cameraSpecs, String(id)));
  const row = (id: number) =>
    t.db
      .selectFrom("cameras")
      .select(["id", "enabled", "source_url_enc", "sub_url_enc", "analyse"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
  const deps = () => ({ db: t.db, redis: t.redis, logger: t.app.log as never });

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await t.login("admin");
    // Channels are not prefixed: other test files may announce on it too, so only our ids are looked at.
    sub = createRedis(inject("redisUrl"));
    sub.on("message", (_c, m) => announced.push(Number(JSON.parse(m).cameraId)));
    await sub.subscribe(REDIS_KEYS.cameraConfigChannel);
  });

  afterAll(async () => {
    sub?.disconnect();
    await t?.close();
  });

  it("rewrites the whole hash at start: every camera, sealed as stored; gone cameras removed; changes announced", async () => {
    const first = await t.db.selectFrom("cameras").select("id").orderBy("id").executeTakeFirstOrThrow();
    await t.redis.hset(REDIS_KEYS.cameraSpecs, "999999", JSON.stringify({ id: 999999, enabled: true }));
    const changed = await resyncCameraSpecs(deps());
    const count = await t.db
      .selectFrom("cameras")
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(await t.redis.hlen(REDIS_KEYS.cameraSpecs)).toBe(Number(count.n));
    expect(await t.redis.hexists(REDIS_KEYS.cameraSpecs, "999999")).toBe(0);
    expect(changed).toContain(999999);
    expect(changed).toContain(first.id);
    const r = await row(first.id);
    expect(await spec(first.id)).toEqual({
      id: r.id,
      enabled: r.enabled,
      sourceUrlEnc: r.source_url_enc,
      subUrlEnc: r.sub_url_enc,
      analyse: r.analyse,
    });
    // Sealed, never opened on the way: no URL (let alone a credential) in clear in Redis.
    const all = Object.values(await t.redis.hgetall(REDIS_KEYS.cameraSpecs)).join("\n");
    expect(all).not.toMatch(/rtsp:\/\//);
    await until("the announcements of the resync", () => (announced.includes(999999) ? true : undefined));
    // Nothing changed since: a second start announces nothing.
    expect(await resyncCameraSpecs(deps())).toEqual([]);
  });

  it("publishes a camera created, changed and deleted over the API, and announces each", async () => {
    const w = await t.db.selectFrom("workshops").select("id").orderBy("id").executeTakeFirstOrThrow();
    const headers = { cookie: admin, "content-type": "application/json" };
    const created = await t.app.inject({
      method: "POST",
      url: "/api/cameras",
      headers,
      payload: JSON.stringify({
        workshopId: w.id,
        name: "spec test",
        area: "kitchen",
        sourceUrl: "rtsp://u:p@192.0.2.7/s",
      }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    const r = await row(id);
    expect(await spec(id)).toEqual({
      id,
      enabled: true,
      sourceUrlEnc: r.source_url_enc,
      subUrlEnc: null,
      analyse: true,
    });
    await until("the creation announced", () => (announced.includes(id) ? true : undefined));

    announced.length = 0;
    const patched = await t.app.inject({
      method: "PATCH",
      url: `/api/cameras/${id}`,
      headers,
      payload: JSON.stringify({ enabled: false, analyse: false }),
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await spec(id)).toMatchObject({ id, enabled: false, analyse: false });
    await until("the change announced", () => (announced.includes(id) ? true : undefined));

    announced.length = 0;
    const deleted = await t.app.inject({
      method: "DELETE",
      url: `/api/cameras/${id}`,
      headers: { cookie: admin },
    });
    expect(deleted.statusCode, deleted.body).toBeLessThan(300);
    expect(await t.redis.hexists(REDIS_KEYS.cameraSpecs, String(id))).toBe(0);
    await until("the deletion announced", () => (announced.includes(id) ? true : undefined));
  });
});
