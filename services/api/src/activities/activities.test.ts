/**
 * Association activities over HTTP on the real app (PostgreSQL when the run has one, else PGlite): record,
 * list (paged, scoped, filtered), change, remove; photos (JPEG/PNG by magic bytes, size limit, SHA-256 on
 * disk, served with nosniff, a tampered file not served, an HTML file named .jpg refused); another
 * station's activity is a 404, a duty officer's change a 403; every change audited.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sha256Hex } from "@mingfang/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, buildTestApp, type TestApp } from "../../../../test/support/harness.js";

/** A tiny valid PNG (1×1) and a JPEG header: what matters is the magic bytes. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 1)]);

function multipart(fileName: string, bytes: Buffer, type: string) {
  const boundary = `----mingfang${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

let t: TestApp;
let dataDir: string;
let own: number; // 明水所
let other: number; // 双山所
const cookies: Record<string, string> = {};

type Method = "GET" | "POST" | "PATCH" | "DELETE";
function send(user: string, method: Method, url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: cookies[user]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

function upload(user: string, id: number, fileName: string, bytes: Buffer, type: string) {
  const m = multipart(fileName, bytes, type);
  return t.app.inject({
    method: "POST",
    url: `/api/activities/${id}/photos`,
    headers: { ...m.headers, cookie: cookies[user]! },
    payload: m.payload,
  });
}

const auditOf = (id: number) =>
  t.db
    .selectFrom("audit_log")
    .selectAll()
    .where("target_type", "=", "activity")
    .where("target_id", "=", String(id))
    .orderBy("id")
    .execute();
const count = async (table: "association_activities" | "activity_photos" | "audit_log") =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select(({ fn }) => fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

const activity = (stationId: number, extra: Record<string, unknown> = {}) => ({
  stationId,
  heldOn: "2022-10-12",
  title: "小作坊行业协会食品安全知识培训",
  participants: 25,
  ...extra,
});

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-activities-"));
  t = await buildTestApp({
    backend: backends().at(-1),
    env: { DATA_DIR: dataDir, CASE_PHOTO_MAX_MB: "0.01" },
    alerts: { workers: false },
  });
  own = await t.stationId("mingshui");
  other = await t.stationId("shuangshan");
  for (const u of ["admin", "brigade", "mingshui.staff", "mingshui.duty", "shuangshan.staff"])
    cookies[u] = await t.login(u);
});
afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("recording activities", () => {
  it("station staff record, change and remove their station's activity; each change is audited", async () => {
    let r = await send(
      "mingshui.staff",
      "POST",
      "/api/activities",
      activity(own, { summary: "讲解进货查验" }),
    );
    expect(r.statusCode, r.body).toBe(201);
    const a = r.json();
    expect(a).toMatchObject({
      stationId: own,
      stationName: "明水所",
      heldOn: "2022-10-12",
      participants: 25,
      summary: "讲解进货查验",
      photos: [],
    });
    r = await send("mingshui.staff", "PATCH", `/api/activities/${a.id}`, {
      participants: 31,
      title: "协会培训会",
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ participants: 31, title: "协会培训会", heldOn: "2022-10-12" });
    expect((await send("mingshui.duty", "GET", `/api/activities/${a.id}`)).json().participants).toBe(31);

    r = await send("admin", "DELETE", `/api/activities/${a.id}`);
    expect(r.statusCode).toBe(204);
    expect((await send("admin", "GET", `/api/activities/${a.id}`)).statusCode).toBe(404);

    const rows = await auditOf(a.id);
    expect(rows.map((x) => [x.action, x.actor_username, x.station_id])).toEqual([
      ["activity.create", "mingshui.staff", own],
      ["activity.update", "mingshui.staff", own],
      ["activity.delete", "admin", own],
    ]);
    const detail = JSON.parse(JSON.stringify(rows[1]!.detail));
    expect(detail.before).toEqual({ participants: 25, title: "小作坊行业协会食品安全知识培训" });
    expect(detail.after).toEqual({ participants: 31, title: "协会培训会" });
  });

  it("lists the user's scope, newest first, paged and filtered by day", async () => {
    for (const [day, s] of [
      ["2022-03-01", own],
      ["2022-04-01", own],
      ["2022-05-01", other],
    ] as const)
      expect((await send("admin", "POST", "/api/activities", activity(s, { heldOn: day }))).statusCode).toBe(
        201,
      );
    const mine = (await send("mingshui.duty", "GET", "/api/activities?pageSize=200")).json();
    expect(mine.items.length).toBeGreaterThanOrEqual(2);
    expect(new Set(mine.items.map((a: { stationId: number }) => a.stationId))).toEqual(new Set([own]));
    const days = mine.items.map((a: { heldOn: string }) => a.heldOn);
    expect(days).toEqual([...days].sort().reverse());
    // Filtering by another station shows nothing rather than an error that confirms it exists.
    expect((await send("mingshui.staff", "GET", `/api/activities?stationId=${other}`)).json()).toMatchObject({
      items: [],
      total: 0,
    });
    const all = (
      await send("brigade", "GET", "/api/activities?from=2022-03-01&to=2022-05-01&pageSize=2")
    ).json();
    expect(all).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(all.items.map((a: { heldOn: string }) => a.heldOn)).toEqual(["2022-05-01", "2022-04-01"]);
    const bad = await send("admin", "GET", "/api/activities?from=2022-06-01&to=2022-05-01");
    expect(bad.json()).toMatchObject({ error: "validation_failed", field: "from" });
  });
});

describe("refusals change nothing", () => {
  it("a future day, unknown fields, wrong types, a missing station: 400 naming the field", async () => {
    const before = await Promise.all([count("association_activities"), count("audit_log")]);
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const cases: [unknown, string][] = [
      [activity(own, { heldOn: tomorrow }), "heldOn"],
      [activity(own, { colour: "red" }), "colour"],
      [activity(own, { participants: "25" }), "participants"],
      [activity(own, { participants: 0 }), "participants"],
      [activity(own, { title: "" }), "title"],
      [{ stationId: own, heldOn: "2022-01-01", participants: 3 }, "title"],
    ];
    for (const [body, field] of cases) {
      const r = await send("admin", "POST", "/api/activities", body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().field).toBe(field);
    }
    expect((await send("admin", "POST", "/api/activities", activity(999999))).json().field).toBe("stationId");
    const a = (await send("admin", "POST", "/api/activities", activity(own))).json();
    const mid = await Promise.all([count("association_activities"), count("audit_log")]);
    expect(mid).toEqual([before[0] + 1, before[1] + 1]);
    for (const [body, field] of [
      [{ stationId: other }, "stationId"],
      [{ heldOn: tomorrow }, "heldOn"],
      [{ participants: 2.5 }, "participants"],
    ] as const) {
      const r = await send("mingshui.staff", "PATCH", `/api/activities/${a.id}`, body);
      expect(r.statusCode).toBe(400);
      expect(r.json().field).toBe(field);
    }
    expect(await Promise.all([count("association_activities"), count("audit_log")])).toEqual(mid);
    expect((await send("admin", "GET", `/api/activities/${a.id}`)).json().participants).toBe(25);
  });

  it("another station's activity is a 404 for its staff and duty officers; a duty officer may not change (403)", async () => {
    const theirs = (await send("shuangshan.staff", "POST", "/api/activities", activity(other))).json();
    const mine = (await send("mingshui.staff", "POST", "/api/activities", activity(own))).json();
    for (const u of ["mingshui.staff", "mingshui.duty"]) {
      expect((await send(u, "GET", `/api/activities/${theirs.id}`)).statusCode).toBe(404);
      expect((await send(u, "PATCH", `/api/activities/${theirs.id}`, { participants: 2 })).statusCode).toBe(
        404,
      );
      expect((await send(u, "DELETE", `/api/activities/${theirs.id}`)).statusCode).toBe(404);
      expect((await upload(u, theirs.id, "a.png", PNG, "image/png")).statusCode).toBe(404);
    }
    // Recording for another station: 404 for its staff (as POST /api/workshops), 403 for roles that never may.
    expect((await send("mingshui.staff", "POST", "/api/activities", activity(other))).statusCode).toBe(404);
    expect((await send("mingshui.duty", "POST", "/api/activities", activity(own))).statusCode).toBe(403);
    expect((await send("brigade", "POST", "/api/activities", activity(own))).statusCode).toBe(403);
    expect(
      (await send("mingshui.duty", "PATCH", `/api/activities/${mine.id}`, { participants: 2 })).statusCode,
    ).toBe(403);
    expect((await send("mingshui.duty", "DELETE", `/api/activities/${mine.id}`)).statusCode).toBe(403);
    expect((await upload("mingshui.duty", mine.id, "a.png", PNG, "image/png")).statusCode).toBe(403);
    expect((await send("admin", "GET", `/api/activities/${theirs.id}`)).json().participants).toBe(25);
    expect((await send("brigade", "GET", `/api/activities/${theirs.id}`)).statusCode).toBe(200);
  });
});

describe("photos", () => {
  it("upload, list, download with nosniff and the stored SHA-256, delete; audited", async () => {
    const a = (await send("mingshui.staff", "POST", "/api/activities", activity(own))).json();
    let r = await upload("mingshui.staff", a.id, "现场.png", PNG, "image/png");
    expect(r.statusCode, r.body).toBe(201);
    const p = r.json();
    expect(p).toMatchObject({ mime: "image/png", size: PNG.length, sha256: sha256Hex(PNG) });
    const onDisk = path.join(dataDir, "media", "activities", String(a.id), `${sha256Hex(PNG)}.png`);
    expect(sha256Hex(readFileSync(onDisk))).toBe(p.sha256);
    const jpg = (await upload("admin", a.id, "b.jpeg", JPEG, "image/jpeg")).json();
    expect(jpg.mime).toBe("image/jpeg");
    const view = (await send("mingshui.duty", "GET", `/api/activities/${a.id}`)).json();
    expect(view.photos.map((x: { id: string }) => x.id)).toEqual([p.id, jpg.id]);

    r = await send("mingshui.duty", "GET", p.url);
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("image/png");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(Buffer.compare(r.rawPayload, PNG)).toBe(0);
    expect((await send("shuangshan.staff", "GET", p.url)).statusCode).toBe(404);

    expect((await send("mingshui.staff", "DELETE", p.url)).statusCode).toBe(204);
    expect(existsSync(onDisk)).toBe(false);
    expect((await send("mingshui.staff", "GET", p.url)).statusCode).toBe(404);
    expect((await auditOf(a.id)).map((x) => x.action)).toEqual([
      "activity.create",
      "activity.photo_add",
      "activity.photo_add",
      "activity.photo_delete",
    ]);
    // Removing the activity removes its photos' files.
    const jpgFile = path.join(dataDir, "media", "activities", String(a.id), `${sha256Hex(JPEG)}.jpg`);
    expect(existsSync(jpgFile)).toBe(true);
    expect((await send("admin", "DELETE", `/api/activities/${a.id}`)).statusCode).toBe(204);
    expect(existsSync(jpgFile)).toBe(false);
  });

  it("refuses a lying upload (HTML named .jpg), other types and oversized files, storing nothing", async () => {
    const a = (await send("mingshui.staff", "POST", "/api/activities", activity(own))).json();
    const before = await count("activity_photos");
    const html = Buffer.from("<!doctype html><script>alert(1)</script>");
    let r = await upload("mingshui.staff", a.id, "photo.jpg", html, "image/jpeg");
    expect(r.statusCode).toBe(415);
    expect(r.json().error).toBe("unsupported_media_type");
    r = await upload("mingshui.staff", a.id, "x.gif", Buffer.from("GIF89a0000000000"), "image/gif");
    expect(r.statusCode).toBe(415);
    r = await upload(
      "mingshui.staff",
      a.id,
      "big.png",
      Buffer.concat([PNG, Buffer.alloc(20_000)]),
      "image/png",
    );
    expect(r.statusCode).toBe(413);
    r = await send("mingshui.staff", "POST", `/api/activities/${a.id}/photos`, { file: "x" });
    expect(r.statusCode).toBe(415);
    expect(await count("activity_photos")).toBe(before);
    expect(existsSync(path.join(dataDir, "media", "activities", String(a.id)))).toBe(false);
    expect((await send("admin", "GET", `/api/activities/${a.id}/photos/not-a-uuid`)).json().field).toBe(
      "photoId",
    );
  });

  it("a photo changed on disk is not served", async () => {
    const a = (await send("mingshui.staff", "POST", "/api/activities", activity(own))).json();
    const p = (await upload("mingshui.staff", a.id, "a.png", PNG, "image/png")).json();
    writeFileSync(
      path.join(dataDir, "media", "activities", String(a.id), `${p.sha256}.png`),
      Buffer.concat([PNG, Buffer.from("x")]),
    );
    const r = await send("mingshui.staff", "GET", p.url);
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain("sha");
    expect(r.body).not.toContain("<");
  });
});

describe("arbitrary bodies (fast-check)", () => {
  it("POST /api/activities and PATCH: a one-field mutation is accepted, or a 400 naming that field that writes nothing", async () => {
    const a = (await send("admin", "POST", "/api/activities", activity(own))).json();
    const keys = ["stationId", "heldOn", "title", "participants", "summary", "extra"] as const;
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString().slice(0, 10))),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), value, async (key, v) => {
        const before = await Promise.all([count("association_activities"), count("audit_log")]);
        const created = await send("admin", "POST", "/api/activities", { ...activity(own), [key]: v });
        const patched = await send("admin", "PATCH", `/api/activities/${a.id}`, { [key]: v });
        for (const r of [created, patched]) {
          expect(r.statusCode, r.body).toBeLessThan(500);
          if (r.statusCode === 400) expect(r.json().field).toBe(key);
        }
        const grew = created.statusCode === 201 ? 1 : 0;
        if (created.statusCode !== 201 && patched.statusCode !== 200)
          expect(await Promise.all([count("association_activities"), count("audit_log")])).toEqual(before);
        else expect(await count("association_activities")).toBe(before[0] + grew);
      }),
      { numRuns: 40 },
    );
  });
});
