/**
 * Rapid-response cases over HTTP on the real app (PGlite, the run's Redis): opening from alerts and by
 * hand, the whole path to closed, photos (type and size checks, SHA-256 on disk), RBAC (another
 * station → 404, the brigade on its cases only), overdue flags, the timeline, audit rows and events.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  camerasOfTwoStations,
  makeAlert,
  type StationCamera,
} from "../../../../test/support/alert-fixtures.js";
import { backends, buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { CaseService } from "./case.service.js";
import { CasePhotoStore } from "./case-photo.store.js";

/** A tiny valid PNG (1×1) and a JPEG header: what matters is the magic bytes. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

function multipart(field: string, fileName: string, bytes: Buffer, type: string) {
  const boundary = `----mingfang${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload: body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

let t: TestApp;
let dataDir: string;
let A: StationCamera;
let B: StationCamera;
const cookies: Record<string, string> = {};

async function newAlert(cam: StationCamera, type = "no_hat"): Promise<string> {
  const job = await makeAlert(t.redis, cam.cameraId, { type });
  const r = await t.app.alertService.intake(job);
  expect(r.outcome).toBe("created");
  return job.id;
}

function req(user: string, method: "GET" | "POST", url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: cookies[user]!, "x-forwarded-for": "10.1.2.3" },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-cases-"));
  // On PostgreSQL when the run has one (the other case tests cover PGlite): row locks, advisory locks
  // and the case numbering behave the same on both.
  t = await buildTestApp({
    backend: backends().at(-1),
    env: { DATA_DIR: dataDir, CASE_PHOTO_MAX_MB: "0.01" },
    alerts: { workers: false, cooldownMinutes: 0 },
  });
  [A, B] = await camerasOfTwoStations(t.db);
  for (const u of [
    `${A.stationCode}.duty`,
    `${A.stationCode}.staff`,
    `${B.stationCode}.duty`,
    "brigade",
    "admin",
  ])
    cookies[u] = await t.login(u);
});

afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("opening a case", () => {
  it("from alerts of one station: the alerts become case_opened, all in one transaction with audit and events", async () => {
    const a1 = await newAlert(A);
    const a2 = await newAlert(A, "no_gloves");
    const duty = `${A.stationCode}.duty`;
    const res = await req(duty, "POST", "/api/cases", { alertIds: [a1, a2], note: "值班发现" });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c.state).toBe("open");
    expect(c.stateLabel).toBe("待派单");
    expect(c.source).toBe("alert");
    expect(c.stationId).toBe(A.stationId);
    expect(c.workshopId).toBe(A.workshopId);
    expect(c.code).toMatch(new RegExp(`^\\d{4}-${A.stationCode}-0001$`));
    expect(new Set(c.alertIds)).toEqual(new Set([a1, a2]));
    expect(c.title).toContain("未戴");
    expect(c.deadlines.dispatch.status).toBe("pending");
    expect(c.transitions).toEqual(["dispatch", "close"]);
    expect(c.timeline.map((e: { kind: string }) => e.kind)).toEqual(["opened"]);

    const alerts = await t.db
      .selectFrom("alerts")
      .select(["id", "status", "acknowledged_by"])
      .where("id", "in", [a1, a2])
      .execute();
    expect(alerts.every((a) => a.status === "case_opened" && a.acknowledged_by !== null)).toBe(true);
    const audit = await t.db.selectFrom("audit_log").selectAll().where("target_id", "=", c.id).execute();
    expect(audit.map((r) => r.action)).toEqual(["case.create"]);
    expect(audit[0]!.actor_username).toBe(duty);
    expect(audit[0]!.ip).toBeTruthy();
    const events = await t.db
      .selectFrom("events")
      .select(["kind", "station_id", "payload"])
      .orderBy("seq")
      .execute();
    const created = events.filter((e) => e.kind === "case.created");
    expect(created).toHaveLength(1);
    expect(created[0]!.station_id).toBe(A.stationId);
    expect(events.filter((e) => e.kind === "alert.updated").length).toBeGreaterThanOrEqual(2);
  });

  it("refuses alerts of two stations, another station's alert (404) and a closed alert (409)", async () => {
    const a = await newAlert(A);
    const b = await newAlert(B);
    const two = await req("admin", "POST", "/api/cases", { alertIds: [a, b] });
    expect(two.statusCode).toBe(400);
    expect(two.json().field).toBe("alertIds");
    const other = await req(`${A.stationCode}.duty`, "POST", "/api/cases", { alertIds: [b] });
    expect(other.statusCode).toBe(404);
    // Acknowledge then mark a false positive: it can no longer become a case.
    const duty = `${A.stationCode}.duty`;
    expect((await req(duty, "POST", `/api/alerts/${a}/acknowledge`, { note: "看过" })).statusCode).toBe(200);
    expect((await req(duty, "POST", `/api/alerts/${a}/false-positive`, { note: "是阴影" })).statusCode).toBe(
      200,
    );
    const closed = await req(duty, "POST", "/api/cases", { alertIds: [a] });
    expect(closed.statusCode).toBe(409);
    // Nothing of the refused cases was written.
    const n = await t.db
      .selectFrom("case_alerts")
      .select("alert_id")
      .where("alert_id", "in", [a, b])
      .execute();
    expect(n).toHaveLength(0);
  });

  it("by hand for a workshop needs a title; the brigade may not open cases", async () => {
    const duty = `${A.stationCode}.duty`;
    const noTitle = await req(duty, "POST", "/api/cases", { workshopId: A.workshopId });
    expect(noTitle.statusCode).toBe(400);
    expect(noTitle.json().field).toBe("title");
    const ok = await req(duty, "POST", "/api/cases", {
      workshopId: A.workshopId,
      title: "群众举报：后厨卫生差",
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().source).toBe("manual");
    expect(
      (await req(`${B.stationCode}.duty`, "POST", "/api/cases", { workshopId: A.workshopId, title: "x" }))
        .statusCode,
    ).toBe(404);
    expect(
      (await req("brigade", "POST", "/api/cases", { workshopId: A.workshopId, title: "x" })).statusCode,
    ).toBe(403);
  });
});

describe("driving a case to closed", () => {
  it("open → dispatched → on_site → rectification_ordered → rectified → reviewed → closed, with photos, audit and events", async () => {
    const duty = `${A.stationCode}.duty`;
    const staff = `${A.stationCode}.staff`;
    const alertId = await newAlert(A, "unclean_area");
    const c = (await req(duty, "POST", "/api/cases", { alertIds: [alertId] })).json();
    const tr = (user: string, body: Record<string, unknown>) =>
      req(user, "POST", `/api/cases/${c.id}/transitions`, body);
    const later = new Date(Date.now() + 7 * 86_400_000).toISOString();

    let r = await tr(staff, { transition: "dispatch" });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().deadlines.dispatch.status).toBe("met");
    expect(r.json().deadlines.onSite.status).toBe("pending");
    expect((await tr(staff, { transition: "dispatch" })).statusCode).toBe(409);

    r = await tr(staff, { transition: "check_in", note: "已到达现场" });
    expect(r.json().state).toBe("on_site");
    r = await tr(staff, { transition: "order_rectification" });
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe("rectificationDueAt");
    r = await tr(staff, {
      transition: "order_rectification",
      rectificationDueAt: later,
      note: "三日内清洁地面",
    });
    expect(r.json().state).toBe("rectification_ordered");
    expect(r.json().deadline).toBe(later);

    // No photo yet: refused.
    r = await tr(staff, { transition: "submit_rectification" });
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe("photos");

    // A text file named .jpg is refused by its bytes; a photo over the limit is refused by size.
    const fake = multipart("file", "photo.jpg", Buffer.from("not an image at all"), "image/jpeg");
    r = await t.app.inject({
      method: "POST",
      url: `/api/cases/${c.id}/attachments?kind=rectification`,
      headers: { ...fake.headers, cookie: cookies[staff]! },
      payload: fake.payload,
    });
    expect(r.statusCode).toBe(415);
    const big = multipart("file", "big.png", Buffer.concat([PNG, Buffer.alloc(20_000)]), "image/png");
    r = await t.app.inject({
      method: "POST",
      url: `/api/cases/${c.id}/attachments?kind=rectification`,
      headers: { ...big.headers, cookie: cookies[staff]! },
      payload: big.payload,
    });
    expect(r.statusCode).toBe(413);
    const good = multipart("file", "整改后.png", PNG, "image/png");
    r = await t.app.inject({
      method: "POST",
      url: `/api/cases/${c.id}/attachments?kind=rectification`,
      headers: { ...good.headers, cookie: cookies[staff]! },
      payload: good.payload,
    });
    expect(r.statusCode, r.body).toBe(201);
    const att = r.json();
    expect(att.mime).toBe("image/png");
    expect(att.sha256).toMatch(/^[0-9a-f]{64}$/);
    const onDisk = path.join(dataDir, "media", "cases", c.id, `${att.sha256}.png`);
    expect(readFileSync(onDisk).equals(PNG)).toBe(true);
    // Read back through the API: the same bytes; another station: 404.
    r = await req(duty, "GET", att.url);
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("image/png");
    expect(r.rawPayload.equals(PNG)).toBe(true);
    expect((await req(`${B.stationCode}.duty`, "GET", att.url)).statusCode).toBe(404);

    r = await tr(staff, { transition: "submit_rectification", note: "已清洁" });
    expect(r.json().state).toBe("rectified");
    expect((await tr(staff, { transition: "review", note: "ok" })).statusCode).toBe(403);
    r = await tr(duty, { transition: "review", note: "复核合格" });
    expect(r.json().state).toBe("reviewed");
    expect((await tr(duty, { transition: "close", outcome: "false_alarm" })).statusCode).toBe(400);
    r = await tr(duty, { transition: "close", outcome: "rectified", note: "整改到位，结案" });
    expect(r.statusCode).toBe(200);
    const closed = r.json();
    expect(closed.state).toBe("closed");
    expect(closed.outcomeLabel).toBe("已整改到位");
    expect(closed.overdue).toBe(false);
    expect(closed.transitions).toEqual([]);
    expect(closed.timeline.map((e: { kind: string }) => e.kind)).toEqual([
      "opened",
      "dispatch",
      "check_in",
      "order_rectification",
      "photo",
      "submit_rectification",
      "review",
      "close",
    ]);
    // A closed case takes no more photos.
    r = await t.app.inject({
      method: "POST",
      url: `/api/cases/${c.id}/attachments`,
      headers: { ...good.headers, cookie: cookies[staff]! },
      payload: good.payload,
    });
    expect(r.statusCode).toBe(409);

    // Every step audited, with who and from where.
    const audit = await t.db
      .selectFrom("audit_log")
      .selectAll()
      .where("target_id", "=", c.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      "case.create",
      "case.dispatch",
      "case.check_in",
      "case.order_rectification",
      "case.attach",
      "case.photo_read",
      "case.submit_rectification",
      "case.review",
      "case.close",
    ]);
    expect(audit.every((a) => a.actor_id !== null && a.ip)).toBe(true);
    // And published: one case.created, then a case.updated per step.
    const events = await t.db
      .selectFrom("events")
      .select(["kind", "payload"])
      .where("kind", "in", ["case.created", "case.updated"])
      .orderBy("seq")
      .execute();
    const mine = events.filter(
      (e) => (typeof e.payload === "string" ? JSON.parse(e.payload) : e.payload).id === c.id,
    );
    expect(mine.map((e) => e.kind)).toEqual(["case.created", ...Array(7).fill("case.updated")]);
  });

  it("a tampered photo is not served", async () => {
    const duty = `${A.stationCode}.duty`;
    const c = (await req(duty, "POST", "/api/cases", { workshopId: A.workshopId, title: "照片校验" })).json();
    const good = multipart("file", "a.png", PNG, "image/png");
    const att = (
      await t.app.inject({
        method: "POST",
        url: `/api/cases/${c.id}/attachments?kind=on_site`,
        headers: { ...good.headers, cookie: cookies[duty]! },
        payload: good.payload,
      })
    ).json();
    writeFileSync(
      path.join(dataDir, "media", "cases", c.id, `${att.sha256}.png`),
      Buffer.concat([PNG, Buffer.from("x")]),
    );
    const r = await req(duty, "GET", att.url);
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain("sha");
  });
});

describe("scope, the brigade and overdue", () => {
  it("another station sees nothing (404 and not in lists); the brigade sees and works only its cases", async () => {
    const duty = `${A.stationCode}.duty`;
    const c = (await req(duty, "POST", "/api/cases", { workshopId: A.workshopId, title: "需执法" })).json();
    expect((await req(`${B.stationCode}.duty`, "GET", `/api/cases/${c.id}`)).statusCode).toBe(404);
    const listB = (await req(`${B.stationCode}.duty`, "GET", "/api/cases?pageSize=200")).json();
    expect(listB.items.some((x: { stationId: number }) => x.stationId === A.stationId)).toBe(false);
    expect((await req("brigade", "GET", `/api/cases/${c.id}`)).statusCode).toBe(404);

    // Hand to the brigade: it sees it, in lists too, and can work it; it cannot take it back.
    let r = await req(duty, "POST", `/api/cases/${c.id}/assignment`, { brigade: true, note: "需要执法" });
    expect(r.statusCode).toBe(200);
    expect(r.json().assignedBrigade).toBe(true);
    expect((await req("brigade", "GET", `/api/cases/${c.id}`)).statusCode).toBe(200);
    const listBrigade = (await req("brigade", "GET", "/api/cases?pageSize=200")).json();
    expect(listBrigade.items.map((x: { id: string }) => x.id)).toContain(c.id);
    expect(listBrigade.items.every((x: { assignedBrigade: boolean }) => x.assignedBrigade)).toBe(true);
    expect(
      (await req("brigade", "POST", `/api/cases/${c.id}/assignment`, { brigade: false })).statusCode,
    ).toBe(403);
    expect(
      (await req("brigade", "POST", `/api/cases/${c.id}/transitions`, { transition: "dispatch" })).statusCode,
    ).toBe(403);
    await req(duty, "POST", `/api/cases/${c.id}/transitions`, { transition: "dispatch" });
    r = await req("brigade", "POST", `/api/cases/${c.id}/transitions`, { transition: "check_in" });
    expect(r.statusCode, r.body).toBe(200);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "actor_username"])
      .where("target_id", "=", c.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => `${a.actor_username}:${a.action}`)).toEqual([
      `${duty}:case.create`,
      `${duty}:case.assigned_brigade`,
      `${duty}:case.dispatch`,
      "brigade:case.check_in",
    ]);
  });

  it("flags an overdue case and filters by it", async () => {
    const duty = `${A.stationCode}.duty`;
    const c = (await req(duty, "POST", "/api/cases", { workshopId: A.workshopId, title: "超期测试" })).json();
    let r = await req(duty, "GET", `/api/cases?overdue=true&pageSize=200`);
    expect(r.json().items.map((x: { id: string }) => x.id)).not.toContain(c.id);
    // Its dispatch deadline passes.
    const past = new Date(Date.now() - 3600_000);
    await t.db
      .updateTable("cases")
      .set({ dispatch_due_at: past, deadline: past })
      .where("id", "=", c.id)
      .execute();
    r = await req(duty, "GET", `/api/cases?overdue=true&pageSize=200`);
    const found = r.json().items.find((x: { id: string }) => x.id === c.id);
    expect(found.overdue).toBe(true);
    expect(found.deadlines.dispatch.status).toBe("overdue");
    r = await req(duty, "GET", `/api/cases?overdue=false&pageSize=200`);
    expect(r.json().items.map((x: { id: string }) => x.id)).not.toContain(c.id);
    // The sweep announces it once: timeline, audit (system) and a case.updated event with overdue.
    const sweeper = new CaseService(
      t.db,
      t.app.events,
      t.app.alertService,
      new CasePhotoStore(path.join(dataDir, "media")),
      t.config,
    );
    expect(await sweeper.sweepOverdue()).toBeGreaterThanOrEqual(1);
    expect(await sweeper.sweepOverdue()).toBe(0);
    const timeline = (await req(duty, "GET", `/api/cases/${c.id}`)).json().timeline;
    expect(timeline.filter((e: { kind: string }) => e.kind === "overdue")).toHaveLength(1);
    expect(timeline.find((e: { kind: string }) => e.kind === "overdue").data.deadline).toBe("dispatch");
    const overdueAudit = await t.db
      .selectFrom("audit_log")
      .select(["actor_username"])
      .where("target_id", "=", c.id)
      .where("action", "=", "case.overdue")
      .execute();
    expect(overdueAudit).toEqual([{ actor_username: "system" }]);
    const announced = (
      await t.db.selectFrom("events").select("payload").where("kind", "=", "case.updated").execute()
    )
      .map((e) => (typeof e.payload === "string" ? JSON.parse(e.payload) : e.payload))
      .filter((p) => p.id === c.id && p.overdue === true);
    expect(announced).toHaveLength(1);
    // Dispatched late: no longer overdue, but the dispatch deadline shows it was late.
    r = await req(duty, "POST", `/api/cases/${c.id}/transitions`, { transition: "dispatch" });
    expect(r.json().overdue).toBe(false);
    expect(r.json().deadlines.dispatch.status).toBe("late");
    r = await req("admin", "GET", `/api/cases?state=dispatched&stationId=${A.stationId}&pageSize=200`);
    expect(r.json().items.map((x: { id: string }) => x.id)).toContain(c.id);
  });
});
