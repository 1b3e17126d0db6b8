import { REDIS_KEYS } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

describe("GET /api/cameras/status: every visible camera's status in one answer", () => {
  let t: TestApp;
  let mingshui: number;
  let shuangshan: number;
  let own: number;
  let ownDisabled: number;

  const camerasOf = async (stationId: number) =>
    (
      await t.db
        .selectFrom("cameras as c")
        .innerJoin("workshops as w", "w.id", "c.workshop_id")
        .select(["c.id", "c.enabled"])
        .where("w.station_id", "=", stationId)
        .orderBy("c.id")
        .execute()
    ).map((c) => c.id);

  beforeAll(async () => {
    t = await buildTestApp();
    mingshui = await t.stationId("mingshui");
    shuangshan = await t.stationId("shuangshan");
    [own, ownDisabled] = await camerasOf(mingshui);
    await t.db.updateTable("cameras").set({ enabled: false }).where("id", "=", ownDisabled!).execute();
    const now = new Date().toISOString();
    await t.redis.set(
      REDIS_KEYS.cameraStatus(own!),
      JSON.stringify({
        cameraId: own,
        status: "online",
        state: "live",
        fps: 5,
        bitrateKbps: 900,
        lastFrameAt: now,
        lastError: null,
        since: now,
        restarts: 0,
        updatedAt: now,
      }),
    );
  });
  afterAll(() => t.close());

  const get = (cookie: string, query = "") =>
    t.app.inject({ url: `/api/cameras/status${query}`, headers: { cookie } });

  it("gives a duty officer exactly its own station's cameras, reported or not", async () => {
    const res = await get(await t.login("mingshui.duty"));
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { cameraId: number; status: string; fps: number | null }[];
    expect(items.map((s) => s.cameraId)).toEqual(await camerasOf(mingshui));
    expect(items.find((s) => s.cameraId === own)).toMatchObject({ status: "online", fps: 5 });
    expect(items.find((s) => s.cameraId === ownDisabled)).toMatchObject({ status: "disabled" });
    const others = items.filter((s) => s.cameraId !== own && s.cameraId !== ownDisabled);
    expect(others.length).toBeGreaterThan(0);
    for (const s of others) expect(s.status).toBe("offline");
    // Another station's filter gives nothing away.
    expect((await get(await t.login("mingshui.duty"), `?stationId=${shuangshan}`)).json().items).toEqual([]);
  });

  it("gives the bureau every camera, and one station's with stationId", async () => {
    const admin = await t.login("admin");
    const all = (await get(admin)).json().items as { cameraId: number }[];
    const total = await t.db
      .selectFrom("cameras")
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(all).toHaveLength(Number(total.n));
    const one = (await get(admin, `?stationId=${shuangshan}`)).json().items as { cameraId: number }[];
    expect(one.map((s) => s.cameraId)).toEqual(await camerasOf(shuangshan));
  });

  it("answers 401 without a session and 400 for a bad filter", async () => {
    expect((await t.app.inject({ url: "/api/cameras/status" })).statusCode).toBe(401);
    expect((await get(await t.login("admin"), "?stationId=abc")).statusCode).toBe(400);
  });

  it("does not shadow GET /api/cameras/:id", async () => {
    const res = await t.app.inject({
      url: `/api/cameras/${own}`,
      headers: { cookie: await t.login("admin") },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(own);
  });
});
