/**
 * A workshop's demonstration title and enterprise upgrade over HTTP on the real app (PGlite): set, read,
 * withdraw; the date rule and the schema's refusals change nothing; another station's workshop is a 404,
 * a duty officer's change a 403; every change is audited with the values before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { shanghaiToday } from "./plan.rules.js";

let t: TestApp;
const cookies: Record<string, string> = {};
let own: number; // a 明水所 workshop without a title
let other: number; // a 双山所 workshop

function send(user: string, method: "GET" | "PUT" | "DELETE", url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: cookies[user]!, "x-forwarded-for": "10.9.8.7" },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

const audit = (workshopId: number) =>
  t.db
    .selectFrom("audit_log")
    .selectAll()
    .where("target_type", "=", "workshop")
    .where("target_id", "=", String(workshopId))
    .where("action", "like", "workshop.%")
    .orderBy("id")
    .execute();

const columns = (id: number) =>
  t.db
    .selectFrom("workshops")
    .select(["demonstration_level", "demonstration_awarded_on", "upgraded_on", "enterprise_licence_no"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  t = await buildTestApp();
  for (const u of ["admin", "brigade", "mingshui.staff", "mingshui.duty", "shuangshan.staff"])
    cookies[u] = await t.login(u);
  const ws = await t.db
    .selectFrom("workshops")
    .select(["id", "station_id"])
    .where("demo_site", "=", false)
    .orderBy("id")
    .execute();
  const mingshui = await t.stationId("mingshui");
  own = ws.find((w) => w.station_id === mingshui)!.id;
  other = ws.find((w) => w.station_id === ws.find((x) => x.station_id !== mingshui)!.station_id)!.id;
});
afterAll(() => t?.close());

describe("demonstration title", () => {
  it("is set by the station's staff, read back, audited with before/after, and withdrawn", async () => {
    expect((await send("mingshui.duty", "GET", `/api/workshops/${own}/plan`)).json()).toEqual({
      workshopId: own,
      demonstration: null,
      upgrade: null,
    });
    const body = { level: "demonstration", awardedOn: "2022-09-28", decisionRef: "章市监管字〔2022〕58号" };
    let r = await send("mingshui.staff", "PUT", `/api/workshops/${own}/demonstration`, body);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().demonstration).toEqual(body);
    // Raised to 出彩小作坊 later: the audit row keeps what it was.
    const outstanding = { ...body, level: "outstanding", awardedOn: "2022-12-01" };
    r = await send("admin", "PUT", `/api/workshops/${own}/demonstration`, outstanding);
    expect(r.json().demonstration).toEqual(outstanding);
    expect((await send("brigade", "GET", `/api/workshops/${own}/plan`)).json().demonstration).toEqual(
      outstanding,
    );

    r = await send("mingshui.staff", "DELETE", `/api/workshops/${own}/demonstration`);
    expect(r.statusCode).toBe(200);
    expect(r.json().demonstration).toBeNull();
    // Withdrawing what is not there changes nothing and writes no audit row.
    expect((await send("mingshui.staff", "DELETE", `/api/workshops/${own}/demonstration`)).statusCode).toBe(
      200,
    );

    const rows = await audit(own);
    expect(rows.map((a) => [a.action, a.actor_username])).toEqual([
      ["workshop.demonstration", "mingshui.staff"],
      ["workshop.demonstration", "admin"],
      ["workshop.demonstration_clear", "mingshui.staff"],
    ]);
    const detail = (i: number) => JSON.parse(JSON.stringify(rows[i]!.detail));
    expect(detail(0)).toEqual({ before: null, after: body });
    expect(detail(1)).toEqual({ before: body, after: outstanding });
    expect(detail(2)).toEqual({ before: outstanding, after: null });
    expect(rows.every((a) => a.station_id !== null && !!a.ip)).toBe(true);
  });
});

describe("enterprise upgrade", () => {
  it("is recorded with the day and the new licence, and withdrawn", async () => {
    const body = { upgradedOn: "2022-11-15", licenceNo: "SC12337018100123" };
    let r = await send("mingshui.staff", "PUT", `/api/workshops/${own}/upgrade`, body);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().upgrade).toEqual(body);
    expect(await columns(own)).toMatchObject({
      upgraded_on: "2022-11-15",
      enterprise_licence_no: body.licenceNo,
    });
    r = await send("admin", "DELETE", `/api/workshops/${own}/upgrade`);
    expect(r.json().upgrade).toBeNull();
    const rows = (await audit(own)).filter((a) => a.action.startsWith("workshop.upgrade"));
    expect(rows.map((a) => a.action)).toEqual(["workshop.upgrade", "workshop.upgrade_clear"]);
    expect(JSON.parse(JSON.stringify(rows[0]!.detail))).toEqual({ before: null, after: body });
  });
});

describe("refusals change nothing", () => {
  it("a day after today (Asia/Shanghai) is a 400 naming the field; today is accepted", async () => {
    const tomorrow = shanghaiToday(new Date(Date.now() + 86_400_000));
    const before = await audit(own);
    let r = await send("mingshui.staff", "PUT", `/api/workshops/${own}/upgrade`, {
      upgradedOn: tomorrow,
      licenceNo: "SC1",
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: "validation_failed", field: "upgradedOn" });
    r = await send("mingshui.staff", "PUT", `/api/workshops/${own}/demonstration`, {
      level: "demonstration",
      awardedOn: tomorrow,
      decisionRef: "x",
    });
    expect(r.json()).toMatchObject({ error: "validation_failed", field: "awardedOn" });
    expect(await audit(own)).toEqual(before);
    expect((await columns(own)).upgraded_on).toBeNull();
    r = await send("mingshui.staff", "PUT", `/api/workshops/${own}/upgrade`, {
      upgradedOn: shanghaiToday(),
      licenceNo: "SC2",
    });
    expect(r.statusCode).toBe(200);
    await send("mingshui.staff", "DELETE", `/api/workshops/${own}/upgrade`);
  });

  it("unknown fields, wrong types, bad levels and impossible days are 400s naming the field", async () => {
    const url = `/api/workshops/${own}/demonstration`;
    const ok = { level: "demonstration", awardedOn: "2022-05-01", decisionRef: "章市监管字〔2022〕1号" };
    const cases: [unknown, string][] = [
      [{ ...ok, extra: 1 }, "extra"],
      [{ ...ok, level: "gold" }, "level"],
      [{ ...ok, awardedOn: 20220501 }, "awardedOn"],
      [{ ...ok, awardedOn: "2022-02-30" }, "awardedOn"],
      [{ ...ok, decisionRef: "" }, "decisionRef"],
      [{ level: "demonstration", awardedOn: "2022-05-01" }, "decisionRef"],
    ];
    for (const [body, field] of cases) {
      const r = await send("admin", "PUT", url, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().field).toBe(field);
    }
    const up = await send("admin", "PUT", `/api/workshops/${own}/upgrade`, {
      upgradedOn: "2022-05-01",
      licenceNo: 7,
    });
    expect(up.json()).toMatchObject({ error: "validation_failed", field: "licenceNo" });
    expect(await columns(own)).toMatchObject({ demonstration_level: null, upgraded_on: null });
  });
});

describe("scope", () => {
  it("another station's workshop is a 404 for its staff and duty officers, a duty officer may not change (403)", async () => {
    const body = { level: "demonstration", awardedOn: "2022-05-01", decisionRef: "章市监管字〔2022〕1号" };
    for (const u of ["mingshui.staff", "mingshui.duty"]) {
      expect((await send(u, "GET", `/api/workshops/${other}/plan`)).statusCode).toBe(404);
      const r = await send(u, "PUT", `/api/workshops/${other}/demonstration`, body);
      expect(r.statusCode).toBe(404);
      expect(r.json().error).toBe("not_found");
      expect((await send(u, "DELETE", `/api/workshops/${other}/upgrade`)).statusCode).toBe(404);
    }
    const duty = await send("mingshui.duty", "PUT", `/api/workshops/${own}/demonstration`, body);
    expect(duty.statusCode).toBe(403);
    expect(
      (
        await send("brigade", "PUT", `/api/workshops/${own}/upgrade`, {
          upgradedOn: "2022-05-01",
          licenceNo: "SC3",
        })
      ).statusCode,
    ).toBe(403);
    expect((await send("admin", "GET", "/api/workshops/999999/plan")).statusCode).toBe(404);
    expect(await columns(other)).toMatchObject({ demonstration_level: null, upgraded_on: null });
    expect(await columns(own)).toMatchObject({ demonstration_level: null });
  });
});
