/**
 * The public side (no account): the sites and their record, feedback and its limits, the rate limits
 * and cache headers, and isolation — every private camera and workshop id on every public route is a
 * 404 with no data, a private media token opens nothing publicly, no person's name or evidence path
 * appears in public JSON. Then the station's inbox: scoped, answered, closed, audited, pushed as events.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { signMediaToken } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

const PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg-1.ts\n";
let ipSeq = 0;
/** A fresh client address per test: the per-address budgets do not mix. */
const newIp = () => `198.51.100.${++ipSeq}`;

describe("public transparent-supervision API", () => {
  let t: TestApp;
  let dataDir: string;
  let site: { id: number; stationId: number; stationCode: string };
  let publicCams: number[];
  let privateCams: { why: string; id: number }[];
  let privateWorkshops: number[];

  const get = (url: string, ip = newIp()) => t.app.inject({ url, remoteAddress: ip });
  const post = (url: string, payload: unknown, ip = newIp()) =>
    t.app.inject({ method: "POST", url, payload: payload as object, remoteAddress: ip });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mf-public-"));
    t = await buildTestApp({
      env: {
        DATA_DIR: dataDir,
        PUBLIC_JSON_PER_MINUTE: "30",
        PUBLIC_HLS_PER_MINUTE: "40",
        PUBLIC_FEEDBACK_PER_SITE_PER_DAY: "2",
        PUBLIC_FEEDBACK_PER_DAY: "3",
      },
    });
    const s = await t.db
      .selectFrom("workshops as w")
      .innerJoin("stations as s", "s.id", "w.station_id")
      .select(["w.id", "w.station_id", "s.code"])
      .where("w.demo_site", "=", true)
      .where("s.code", "=", "mingshui")
      .executeTakeFirstOrThrow();
    site = { id: s.id, stationId: s.station_id, stationCode: s.code };
    const nonDemo = await t.db
      .selectFrom("workshops")
      .select("id")
      .where("demo_site", "=", false)
      .orderBy("id")
      .execute();
    privateWorkshops = nonDemo.map((w) => w.id);
    // A public camera of a workshop that is not a demonstration site, and a disabled public camera of a site.
    const publicElsewhere = await t.db
      .insertInto("cameras")
      .values({ workshop_id: privateWorkshops[0]!, name: "公开但非示范", area: "加工", public: true })
      .returning("id")
      .executeTakeFirstOrThrow();
    const disabled = await t.db
      .insertInto("cameras")
      .values({ workshop_id: site.id, name: "停用", area: "加工", public: true, enabled: false })
      .returning("id")
      .executeTakeFirstOrThrow();
    const cams = await t.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.public", "c.enabled", "w.demo_site"])
      .execute();
    publicCams = cams.filter((c) => c.public && c.enabled && c.demo_site).map((c) => c.id);
    privateCams = [
      ...cams.filter((c) => !c.public).map((c) => ({ why: "not public", id: c.id })),
      { why: "public, workshop not a demo site", id: publicElsewhere.id },
      { why: "public, disabled", id: disabled.id },
    ];
    // Every camera has files on disk: a 404 comes from the policy, not from a missing file.
    for (const c of cams) {
      const dir = path.join(dataDir, "media", "hls", String(c.id));
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "index.m3u8"), PLAYLIST);
      writeFileSync(path.join(dir, "seg-1.ts"), Buffer.alloc(188, 0x47));
    }
  });
  afterAll(() => t.close());

  it("lists only demonstration sites, with a cover camera and a short public cache", async () => {
    const res = await get("/api/public/sites");
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("public, max-age=30");
    const { items } = res.json();
    const demo = await t.db.selectFrom("workshops").select("id").where("demo_site", "=", true).execute();
    expect(items.map((s: { id: number }) => s.id).sort()).toEqual(demo.map((w) => w.id).sort());
    const mine = items.find((s: { id: number }) => s.id === site.id);
    expect(mine).toMatchObject({
      stationName: "明水所",
      cover: { hls: expect.stringMatching(/^\/public\/hls\/\d+\/index\.m3u8$/) },
    });
    expect(publicCams).toContain(mine.cover.id);
  });

  it("shows a site's card, its public cameras, days since its last confirmed violation and latest rectification", async () => {
    const before = (await get(`/api/public/sites/${site.id}`)).json();
    expect(before.daysSinceViolation).toBeNull();
    expect(before.lastRectification).toBeNull();
    const cam = publicCams.find((id) => before.cameras.some((c: { id: number }) => c.id === id))!;
    const day = 86_400_000;
    // A false positive and an alert the system resolved (camera back online) are no violations.
    await insertAlert(t, site, cam, {
      type: "no_gloves",
      status: "false_positive",
      at: Date.now() - 1 * day,
    });
    await insertAlert(t, site, cam, { type: "camera_offline", status: "resolved", at: Date.now() - 2 * day });
    expect((await get(`/api/public/sites/${site.id}`)).json().daysSinceViolation).toBeNull();
    // A person resolved this one as real: 9 days ago.
    const admin = await t.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "admin")
      .executeTakeFirstOrThrow();
    await insertAlert(t, site, cam, {
      type: "no_hat",
      status: "resolved",
      at: Date.now() - 9 * day,
      by: admin.id,
    });
    // A case closed as rectified, opened 5 days ago, with a no_gloves alert.
    const alertId = await insertAlert(t, site, cam, {
      type: "no_gloves",
      status: "case_opened",
      at: Date.now() - 5 * day,
    });
    const caseId = crypto.randomUUID();
    await t.db
      .insertInto("cases")
      .values({
        id: caseId,
        code: `T-${Date.now()}`,
        station_id: site.stationId,
        workshop_id: site.id,
        title: "视频预警：未戴手套",
        state: "closed",
        outcome: "rectified",
        opened_by: admin.id,
        created_at: new Date(Date.now() - 5 * day),
        rectified_at: new Date(Date.now() - 3 * day),
        closed_at: new Date(Date.now() - 2 * day),
      })
      .execute();
    await t.db.insertInto("case_alerts").values({ case_id: caseId, alert_id: alertId }).execute();
    const res = await get(`/api/public/sites/${site.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("public, max-age=30");
    const d = res.json();
    expect(d).toMatchObject({ id: site.id, stationName: "明水所", daysSinceViolation: 5 });
    expect(d.lastRectification).toMatchObject({ violations: ["no_gloves"], title: "视频预警：未戴手套" });
    expect(Date.parse(d.lastRectification.closedAt)).toBeCloseTo(Date.now() - 2 * day, -5);
    expect(
      d.cameras.every((c: { id: number; hls: string }) => c.hls === `/public/hls/${c.id}/index.m3u8`),
    ).toBe(true);
    expect(d.cameras.map((c: { id: number }) => c.id).every((id: number) => publicCams.includes(id))).toBe(
      true,
    );
    // No case id, no alert id, no person.
    const text = res.body;
    expect(text).not.toContain(caseId);
    expect(text).not.toContain(alertId);
  });

  it("answers 404 with no data for every private camera and every non-demonstration workshop", async () => {
    const ip = newIp();
    expect(privateCams.length).toBeGreaterThan(40);
    for (const c of privateCams) {
      for (const file of ["index.m3u8", "seg-1.ts"]) {
        const r = await t.app.inject({ url: `/public/hls/${c.id}/${file}`, remoteAddress: newIp() });
        expect(r.statusCode, `${c.why} camera ${c.id} ${file}`).toBe(404);
        expect(r.body).not.toContain("EXTM3U");
        expect(r.json().error).toBe("not_found");
      }
    }
    const missing = (await get("/api/public/sites/999999", ip)).json();
    for (const w of privateWorkshops) {
      const r = await get(`/api/public/sites/${w}`);
      expect(r.statusCode).toBe(404);
      // The same answer as a missing site: existence does not leak.
      expect(r.json()).toEqual({ ...missing });
      const f = await post(`/api/public/sites/${w}/feedback`, { kind: "praise", body: "很干净，点赞！" });
      expect(f.statusCode).toBe(404);
    }
    expect(
      await t.db
        .selectFrom("public_feedback")
        .select("id")
        .where("workshop_id", "in", privateWorkshops)
        .execute(),
    ).toEqual([]);
  });

  it("opens nothing private with a private media token on public routes", async () => {
    const cam = privateCams[0]!.id;
    const token = signMediaToken(t.keyring.mediaToken, cam, 300);
    for (const url of [
      `/public/hls/${cam}/index.m3u8?token=${token}`,
      `/public/hls/${cam}/seg-1.ts?token=${token}`,
      `/api/public/sites/${privateWorkshops[0]}?token=${token}`,
    ]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.body).not.toContain("EXTM3U");
    }
    // The same token is good privately: the refusal is the public route's, not a bad token.
    expect((await get(`/media/hls/${cam}/index.m3u8?token=${token}`)).statusCode).toBe(200);
  });

  it("serves the public cameras' video without a token", async () => {
    const r = await get(`/public/hls/${publicCams[0]}/index.m3u8`);
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain("seg-1.ts");
  });

  it("puts no person's name, contact, evidence path or media path in public JSON", async () => {
    await post(`/api/public/sites/${site.id}/feedback`, {
      kind: "suggestion",
      body: "建议在门口张贴健康证。",
      contact: "13800000000",
    });
    const bodies = [(await get("/api/public/sites")).body];
    const ids = (await get("/api/public/sites")).json().items.map((s: { id: number }) => s.id);
    for (const id of ids) bodies.push((await get(`/api/public/sites/${id}`)).body);
    const users = await t.db.selectFrom("users").select("display_name").execute();
    const operators = await t.db.selectFrom("workshops").select(["operator_name", "phone"]).execute();
    const forbidden = [
      ...users.map((u) => u.display_name),
      ...operators.flatMap((o) => [o.operator_name, o.phone]).filter((x): x is string => !!x),
      "13800000000",
      "evidence",
      "/media/",
      "rtsp",
      "source",
      "ip_hash",
    ];
    for (const b of bodies) for (const f of forbidden) expect(b, f).not.toContain(f);
  });

  it("checks feedback: kind, length, contact, unknown site; stores the address only as a salted hash", async () => {
    const url = `/api/public/sites/${site.id}/feedback`;
    const ip = newIp();
    const ok400 = await post(url, { kind: "complaint", body: "很".repeat(400) }, ip);
    expect(ok400.statusCode).toBe(201);
    expect(ok400.headers["cache-control"]).toBe("no-store");
    for (const [payload, field] of [
      [{ kind: "praise", body: "好" }, "body"],
      [{ kind: "praise", body: "很".repeat(501) }, "body"],
      [{ kind: "anger", body: "这是一条测试留言" }, "kind"],
      [{ kind: "praise", body: "这是一条测试留言", contact: "x".repeat(65) }, "contact"],
      [{ kind: "praise", body: "这是一条测试留言", extra: 1 }, "extra"],
    ] as const) {
      const r = await post(url, payload, newIp());
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json()).toMatchObject({ error: "validation_failed", field });
    }
    expect(
      (await post("/api/public/sites/999999/feedback", { kind: "praise", body: "这是一条测试留言" }))
        .statusCode,
    ).toBe(404);
    const row = await t.db
      .selectFrom("public_feedback")
      .selectAll()
      .where("body", "=", "很".repeat(400))
      .executeTakeFirstOrThrow();
    expect(row.ip_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.ip_hash).not.toContain(ip);
    expect(row).toMatchObject({ kind: "complaint", status: "open", station_id: site.stationId });
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["ip", "detail"])
      .where("action", "=", "public_feedback.create")
      .where("target_id", "=", String(row.id))
      .executeTakeFirstOrThrow();
    expect(audit.ip).toBeNull();
    expect(JSON.stringify(audit.detail)).not.toContain(ip);
    const ev = await t.db
      .selectFrom("events")
      .select(["station_id", "payload"])
      .where("kind", "=", "public_feedback.created")
      .execute();
    expect(
      ev.some((e) => e.station_id === site.stationId && (e.payload as { id: number }).id === row.id),
    ).toBe(true);
  });

  it("limits feedback per address and site and per address per day: 429 with retry-after", async () => {
    const ip = newIp();
    const msg = { kind: "praise", body: "师傅们戴帽子戴手套，很规范。" };
    const other = (
      await t.db
        .selectFrom("workshops")
        .select("id")
        .where("demo_site", "=", true)
        .where("id", "<>", site.id)
        .orderBy("id")
        .execute()
    ).map((w) => w.id);
    expect((await post(`/api/public/sites/${site.id}/feedback`, msg, ip)).statusCode).toBe(201);
    expect((await post(`/api/public/sites/${site.id}/feedback`, msg, ip)).statusCode).toBe(201);
    const third = await post(`/api/public/sites/${site.id}/feedback`, msg, ip);
    expect(third.statusCode).toBe(429);
    expect(third.json().error).toBe("too_many_requests");
    expect(Number(third.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(third.headers["retry-after"])).toBeLessThanOrEqual(86_400);
    // Another site still takes one more (3 a day in all), then the address is done for the day.
    expect((await post(`/api/public/sites/${other[0]}/feedback`, msg, ip)).statusCode).toBe(201);
    expect((await post(`/api/public/sites/${other[1]}/feedback`, msg, ip)).statusCode).toBe(429);
    // Another address is not affected.
    expect((await post(`/api/public/sites/${site.id}/feedback`, msg, newIp())).statusCode).toBe(201);
  });

  it("rate-limits every public request per address (JSON, pages, video), HLS with a larger budget", async () => {
    const ip = newIp();
    let n = 0;
    let last = await get("/api/public/sites", ip);
    while (last.statusCode === 200 && n < 100) {
      n++;
      last = await get(n % 2 ? `/api/public/sites/${site.id}` : "/api/public/sites", ip);
    }
    expect(n).toBe(30);
    expect(last.statusCode).toBe(429);
    expect(last.json()).toMatchObject({ error: "too_many_requests" });
    expect(Number(last.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(last.headers["retry-after"])).toBeLessThanOrEqual(60);
    // The pages share the JSON budget; the video has its own.
    expect((await get("/public", ip)).statusCode).toBe(429);
    let h = 0;
    while (h < 100 && (await get(`/public/hls/${publicCams[0]}/index.m3u8`, ip)).statusCode === 200) h++;
    expect(h).toBe(40);
    // Signed-in API routes are not counted.
    expect((await get("/api/me", ip)).statusCode).toBe(401);
  });

  it("brings feedback to the station's inbox: scoped, answered, closed, audited", async () => {
    const staff = await t.login(`${site.stationCode}.staff`);
    const duty = await t.login(`${site.stationCode}.duty`);
    const otherStaff = await t.login("shuangshan.staff");
    const admin = await t.login("admin");
    const brigade = await t.login("brigade");
    const body = `收银员找零时未戴手套 ${Date.now()}`;
    expect(
      (await post(`/api/public/sites/${site.id}/feedback`, { kind: "complaint", body, contact: "王先生" }))
        .statusCode,
    ).toBe(201);
    const inbox = await t.app.inject({
      url: "/api/public-feedback?status=open&kind=complaint",
      headers: { cookie: staff },
    });
    expect(inbox.statusCode).toBe(200);
    const item = inbox.json().items.find((f: { body: string }) => f.body === body);
    expect(item).toMatchObject({ workshopId: site.id, status: "open", contact: "王先生", kind: "complaint" });
    expect(inbox.json().items.every((f: { stationId: number }) => f.stationId === site.stationId)).toBe(true);
    const summary = await t.app.inject({ url: "/api/public-feedback/summary", headers: { cookie: duty } });
    expect(summary.json().open).toBeGreaterThan(0);
    // Another station: not in its list, 404 on the item; the brigade: 403.
    const otherList = await t.app.inject({ url: "/api/public-feedback", headers: { cookie: otherStaff } });
    expect(otherList.json().items.some((f: { id: number }) => f.id === item.id)).toBe(false);
    expect(
      (await t.app.inject({ url: `/api/public-feedback/${item.id}`, headers: { cookie: otherStaff } }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await t.app.inject({
          method: "POST",
          url: `/api/public-feedback/${item.id}/close`,
          headers: { cookie: otherStaff },
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ url: "/api/public-feedback", headers: { cookie: brigade } })).statusCode,
    ).toBe(403);
    // The bureau sees every station's, and filters by station.
    const bureau = await t.app.inject({
      url: `/api/public-feedback?stationId=${site.stationId}`,
      headers: { cookie: admin },
    });
    expect(bureau.json().items.some((f: { id: number }) => f.id === item.id)).toBe(true);
    const replied = await t.app.inject({
      method: "POST",
      url: `/api/public-feedback/${item.id}/reply`,
      headers: { cookie: duty },
      payload: { reply: "已约谈经营者，要求全员佩戴手套。" },
    });
    expect(replied.statusCode).toBe(200);
    expect(replied.json()).toMatchObject({
      status: "answered",
      reply: "已约谈经营者，要求全员佩戴手套。",
      handledBy: "明水所值班员",
    });
    const closed = await t.app.inject({
      method: "POST",
      url: `/api/public-feedback/${item.id}/close`,
      headers: { cookie: staff },
    });
    expect(closed.json()).toMatchObject({ status: "closed" });
    expect(closed.json().closedAt).not.toBeNull();
    const again = await t.app.inject({
      method: "POST",
      url: `/api/public-feedback/${item.id}/close`,
      headers: { cookie: staff },
    });
    expect(again.statusCode).toBe(409);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "actor_username"])
      .where("target_type", "=", "public_feedback")
      .where("target_id", "=", String(item.id))
      .orderBy("id")
      .execute();
    expect(audit).toEqual([
      { action: "public_feedback.create", actor_username: null },
      { action: "public_feedback.reply", actor_username: `${site.stationCode}.duty` },
      { action: "public_feedback.close", actor_username: `${site.stationCode}.staff` },
    ]);
    const events = await t.db
      .selectFrom("events")
      .select("payload")
      .where("kind", "=", "public_feedback.updated")
      .execute();
    expect(
      events
        .map((e) => e.payload as { id: number; status: string })
        .filter((p) => p.id === item.id)
        .map((p) => p.status),
    ).toEqual(["answered", "closed"]);
    // The contact never reaches the public side.
    expect((await get(`/api/public/sites/${site.id}`)).body).not.toContain("王先生");
  });
});

async function insertAlert(
  t: TestApp,
  site: { id: number; stationId: number },
  cameraId: number,
  a: { type: string; status: string; at: number; by?: number },
): Promise<string> {
  const id = crypto.randomUUID();
  await t.db
    .insertInto("alerts")
    .values({
      id,
      camera_id: cameraId,
      workshop_id: site.id,
      station_id: site.stationId,
      type: a.type,
      confidence: 0.9,
      grade: 2,
      status: a.status,
      captured_at: new Date(a.at),
      evidence_path: `evidence/${id}.jpg`,
      evidence_sha256: null,
      acknowledged_by: null,
      acknowledged_at: null,
      ack_note: null,
      escalated_at: null,
      closed_by: a.by ?? null,
      closed_at: a.by ? new Date(a.at + 60_000) : null,
    } as never)
    .execute();
  return id;
}
