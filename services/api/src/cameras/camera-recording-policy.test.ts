/**
 * A camera's recording policy and clip window (issue 14): shown in the view, set on create and update,
 * null = the settings' defaults, and anything out of range a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

describe("camera recording policy", () => {
  let t: TestApp;
  let admin: string;
  let workshopId: number;

  beforeAll(async () => {
    t = await buildTestApp({ alerts: { workers: false } });
    admin = await t.login("admin");
    const w = await t.db.selectFrom("workshops").select("id").orderBy("id").executeTakeFirstOrThrow();
    workshopId = w.id;
  });
  afterAll(() => t?.close());

  const send = (method: "POST" | "PATCH", url: string, payload: unknown) =>
    t.app.inject({ method, url, headers: { cookie: admin }, payload: payload as object });

  it("defaults to events with the settings' clip window", async () => {
    const res = await send("POST", "/api/cameras", {
      workshopId,
      name: "Recording default",
      area: "kitchen",
      sourceUrl: "rtsp://192.0.2.20/stream",
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      recordingPolicy: "events",
      clipPreSeconds: null,
      clipPostSeconds: null,
    });
  });

  it("is set on create, changed on update, and reset to the defaults with null", async () => {
    const created = await send("POST", "/api/cameras", {
      workshopId,
      name: "Recording continuous",
      area: "kitchen",
      sourceUrl: "rtsp://192.0.2.21/stream",
      recordingPolicy: "continuous",
      clipPreSeconds: 5,
      clipPostSeconds: 40,
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    expect(created.json()).toMatchObject({
      recordingPolicy: "continuous",
      clipPreSeconds: 5,
      clipPostSeconds: 40,
    });

    const patched = await send("PATCH", `/api/cameras/${id}`, {
      recordingPolicy: "working_hours",
      clipPreSeconds: null,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      recordingPolicy: "working_hours",
      clipPreSeconds: null,
      clipPostSeconds: 40,
    });

    const got = await t.app.inject({ method: "GET", url: `/api/cameras/${id}`, headers: { cookie: admin } });
    expect(got.json()).toMatchObject({
      recordingPolicy: "working_hours",
      clipPreSeconds: null,
      clipPostSeconds: 40,
    });
    const row = await t.db
      .selectFrom("cameras")
      .select(["recording_policy", "clip_pre_seconds", "clip_post_seconds"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ recording_policy: "working_hours", clip_pre_seconds: null, clip_post_seconds: 40 });

    const off = await send("PATCH", `/api/cameras/${id}`, { recordingPolicy: "off" });
    expect(off.json().recordingPolicy).toBe("off");
  });

  it.each([
    [{ recordingPolicy: "always" }, "recordingPolicy"],
    [{ recordingPolicy: null }, "recordingPolicy"],
    [{ clipPreSeconds: -1 }, "clipPreSeconds"],
    [{ clipPreSeconds: 121 }, "clipPreSeconds"],
    [{ clipPostSeconds: 0 }, "clipPostSeconds"],
    [{ clipPostSeconds: 301 }, "clipPostSeconds"],
    [{ clipPostSeconds: 2.5 }, "clipPostSeconds"],
    [{ clipPreSeconds: "10" }, "clipPreSeconds"],
  ])("refuses %j with a 400 naming the field", async (body, field) => {
    const list = await t.app.inject({
      method: "GET",
      url: "/api/cameras?pageSize=1",
      headers: { cookie: admin },
    });
    const id = list.json().items[0].id as number;
    const res = await send("PATCH", `/api/cameras/${id}`, body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field ?? res.json().message).toContain(field);
  });
});
