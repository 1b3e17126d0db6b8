/**
 * GET /api/assessment/:year and its workbook on the seeded district, with a few alerts and cases of last
 * year made here: the figures against hand-computed ones, the scope of each role, bad years, and the
 * workbook read back with exceljs (sheets, the summary rows equal to the JSON, a station sheet's targets).
 */
import { randomUUID } from "node:crypto";
import type { AssessmentView } from "@mingfang/core";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertAlertRow } from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { localDay } from "../dashboard/dashboard.service.js";
import { DISTRICT_LABEL, SUMMARY_HEADINGS, SUMMARY_SHEET, summaryCells } from "./assessment.workbook.js";

const thisYear = Number(localDay(new Date()).slice(0, 4));
const lastYear = thisYear - 1;
/** An instant of last year, Beijing time. */
const at = (mmdd: string, hhmm = "10:00") => new Date(`${lastYear}-${mmdd}T${hhmm}:00+08:00`);

async function readBook(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const rows = (name: string) => {
    const ws = wb.getWorksheet(name);
    if (!ws) throw new Error(`no sheet ${name}`);
    const out: unknown[][] = [];
    ws.eachRow((row) => {
      out.push(Array.from((row.values as unknown[]).slice(1), (c) => c ?? ""));
    });
    return out;
  };
  return { names: wb.worksheets.map((w) => w.name), rows };
}

describe("GET /api/assessment/:year", () => {
  let t: TestApp;
  let mingshui: number;
  let shuangshan: number;

  const get = async (user: string, url: string) =>
    t.app.inject({ url, headers: { cookie: await t.login(user) } });

  const cameraOf = (stationId: number) =>
    t.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.workshop_id"])
      .where("w.station_id", "=", stationId)
      .orderBy("c.id")
      .executeTakeFirstOrThrow();

  const alert = async (stationId: number, type: string, created: Date, ackAfterS: number | null) => {
    const cam = await cameraOf(stationId);
    await insertAlertRow(t.db, { cameraId: cam.id, stationId, type, at: created, ackAfterS });
  };

  const kase = (stationId: number, created: Date, outcome: string | null, deadline: Date | null = null) =>
    t.db
      .insertInto("cases")
      .values({
        id: randomUUID(),
        code: `T-${randomUUID().slice(0, 8)}`,
        station_id: stationId,
        workshop_id: null,
        title: "测试案件",
        description: null,
        state: outcome ? "closed" : "dispatched",
        deadline,
        outcome,
        opened_by: null,
        closed_at: outcome ? new Date(created.getTime() + 86_400_000) : null,
        created_at: created,
      })
      .execute();

  beforeAll(async () => {
    t = await buildTestApp();
    mingshui = await t.stationId("mingshui");
    shuangshan = await t.stationId("shuangshan");
    // Mingshui: two alerts in March (acknowledged after 2 and 10 minutes) and one in June never acknowledged;
    // shuangshan: one in March acknowledged after 1 minute. One the year before (not counted).
    await alert(mingshui, "no_mask", at("03-10"), 120);
    await alert(mingshui, "rodent", at("03-11"), 600);
    await alert(mingshui, "no_mask", at("06-01"), null);
    await alert(shuangshan, "no_mask", at("03-12"), 60);
    await alert(mingshui, "no_mask", new Date(`${lastYear - 1}-12-31T23:00:00+08:00`), 30);
    // Mingshui: four cases, three closed (rectified, rectified, false alarm), one open past its deadline;
    // shuangshan: one closed as penalised. One the year before (not counted as opened).
    await kase(mingshui, at("03-10"), "rectified");
    await kase(mingshui, at("04-01"), "rectified");
    await kase(mingshui, at("05-01"), "false_alarm");
    await kase(mingshui, at("06-01"), null, at("06-05"));
    await kase(shuangshan, at("03-12"), "penalised");
    await kase(mingshui, new Date(`${lastYear - 1}-11-01T10:00:00+08:00`), "transferred");
  });
  afterAll(() => t.close());

  it("gives the bureau every station's year and the district's", async () => {
    const res = await get("admin", `/api/assessment/${lastYear}`);
    expect(res.statusCode).toBe(200);
    const v = res.json<AssessmentView>();
    expect(v).toMatchObject({
      year: lastYear,
      period: { from: `${lastYear}-01-01`, to: `${lastYear}-12-31` },
      complete: true,
    });
    expect(v.stations).toHaveLength(18);
    const ms = v.stations.find((s: { stationId: number }) => s.stationId === mingshui).figures;
    expect(ms.alerts.total).toBe(3);
    expect(ms.alerts.byType).toEqual([
      { type: "no_mask", count: 2 },
      { type: "rodent", count: 1 },
    ]);
    expect(ms.alerts.byMonth).toHaveLength(12);
    expect(ms.alerts.byMonth[2]).toEqual({ month: `${lastYear}-03`, count: 2 });
    expect(ms.alerts.byMonth[5]).toEqual({ month: `${lastYear}-06`, count: 1 });
    expect(ms.alerts.ackMedianSeconds).toBe(360);
    expect(ms.alerts.ackP90Seconds).toBeCloseTo(120 + 0.9 * 480, 6);
    expect(ms.cases).toEqual({
      opened: 4,
      closed: 3,
      closureRate: 0.75,
      overdue: 1,
      outcomes: { violation_confirmed: 0, false_alarm: 1, rectified: 2, penalised: 0, transferred: 0 },
    });
    const ss = v.stations.find((s: { stationId: number }) => s.stationId === shuangshan).figures;
    expect(ss.alerts.ackMedianSeconds).toBe(60);
    expect(ss.cases.outcomes.penalised).toBe(1);
    // The district: every station's alerts and cases; percentiles over the three acknowledgements.
    const d = v.district;
    expect(d.alerts.total).toBe(4);
    expect(d.alerts.byMonth[2].count).toBe(3);
    expect(d.alerts.ackMedianSeconds).toBe(120);
    expect(d.alerts.ackP90Seconds).toBeCloseTo(120 + 0.8 * 480, 6);
    expect(d.cases).toMatchObject({ opened: 5, closed: 4, closureRate: 0.8 });
    expect(d.cases.outcomes).toEqual({
      violation_confirmed: 0,
      false_alarm: 1,
      rectified: 2,
      penalised: 1,
      transferred: 0,
    });
    expect(d.targets.demonstrationWorkshops.target).toBe(126);
    expect(d.targets.videoSupervisionPilots.target).toBe(42);
    expect(d.cameras.total).toBe(v.stations.reduce((n, s) => n + s.figures.cameras.total, 0));
  });

  it("runs this year up to today, not complete", async () => {
    const v = (await get("brigade", `/api/assessment/${thisYear}`)).json();
    expect(v.period).toEqual({ from: `${thisYear}-01-01`, to: localDay(new Date()) });
    expect(v.complete).toBe(false);
    expect(v.district.alerts.total).toBe(0);
    expect(v.stations).toHaveLength(18);
  });

  it("gives a station's user its own station and the district, 404 for another station", async () => {
    for (const user of ["mingshui.staff", "mingshui.duty"]) {
      const v = (await get(user, `/api/assessment/${lastYear}`)).json();
      expect(v.stations.map((s: { stationId: number }) => s.stationId)).toEqual([mingshui]);
      expect(v.district.alerts.total).toBe(4);
      expect((await get(user, `/api/assessment/${lastYear}?stationId=${shuangshan}`)).statusCode).toBe(404);
      const wb = await get(user, `/api/assessment/${lastYear}/workbook.xlsx?stationId=${shuangshan}`);
      expect(wb.statusCode).toBe(404);
    }
    const one = (await get("admin", `/api/assessment/${lastYear}?stationId=${shuangshan}`)).json();
    expect(one.stations.map((s: { stationId: number }) => s.stationId)).toEqual([shuangshan]);
    expect((await get("admin", `/api/assessment/${lastYear}?stationId=99999`)).statusCode).toBe(404);
  });

  it("refuses a year before 2020, a year to come, a non-year and an unknown field with 400", async () => {
    for (const url of [
      "/api/assessment/2019",
      `/api/assessment/${thisYear + 1}`,
      "/api/assessment/abc",
      `/api/assessment/${lastYear}?foo=1`,
      "/api/assessment/2019/workbook.xlsx",
    ]) {
      const res = await get("admin", url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: "validation_failed", message: expect.any(String) });
    }
    expect((await get("admin", "/api/assessment/2020")).statusCode).toBe(200);
    expect((await t.app.inject({ url: `/api/assessment/${lastYear}` })).statusCode).toBe(401);
  });

  it("streams the bureau's workbook: the summary first, 18 station sheets, the JSON's figures", async () => {
    const json = (await get("admin", `/api/assessment/${lastYear}`)).json();
    const res = await get("admin", `/api/assessment/${lastYear}/workbook.xlsx`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("spreadsheetml");
    expect(res.headers["content-disposition"]).toContain(
      `filename*=UTF-8''${encodeURIComponent(`章丘区小作坊视频监管年终考核-${lastYear}.xlsx`)}`,
    );
    const book = await readBook(res.rawPayload);
    expect(book.names).toHaveLength(19);
    expect(book.names[0]).toBe(SUMMARY_SHEET);
    expect(book.names.slice(1)).toEqual(json.stations.map((s: { stationName: string }) => s.stationName));
    const summary = book.rows(SUMMARY_SHEET);
    expect(summary[2]).toEqual([...SUMMARY_HEADINGS]);
    // Rows 4… : each station in order, then the district; every cell equal to the JSON's figures.
    json.stations.forEach((s: { stationName: string; figures: never }, i: number) => {
      expect(summary[3 + i]).toEqual(summaryCells(s.stationName, s.figures));
    });
    expect(summary[3 + 18]).toEqual(summaryCells(DISTRICT_LABEL, json.district));
    expect(summary[3 + 18]![0]).toBe("全区合计");
    // Mingshui's sheet: the four targets as the JSON has them, and its cases beside the district's.
    const ms = json.stations.find((s: { stationId: number }) => s.stationId === mingshui);
    const sheet = book.rows(ms.stationName);
    const target = (label: string) => sheet.find((r) => r[0] === label)!;
    expect(target("示范小作坊").slice(1, 3)).toEqual([
      ms.figures.targets.demonstrationWorkshops.target,
      ms.figures.targets.demonstrationWorkshops.achieved,
    ]);
    expect(target("视频监管试点").slice(1, 3)).toEqual([
      ms.figures.targets.videoSupervisionPilots.target,
      ms.figures.targets.videoSupervisionPilots.achieved,
    ]);
    expect(target("立案数").slice(1, 3)).toEqual([4, 5]);
    expect(target("结果：已整改到位").slice(1, 3)).toEqual([2, 2]);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "target_id"])
      .where("action", "=", "report.assessment")
      .execute();
    expect(audit).toContainEqual({ action: "report.assessment", target_id: "all" });
  });

  it("gives a station's user a workbook of its own sheet and the district's row", async () => {
    const res = await get("mingshui.duty", `/api/assessment/${lastYear}/workbook.xlsx`);
    expect(res.statusCode).toBe(200);
    const book = await readBook(res.rawPayload);
    expect(book.names).toHaveLength(2);
    const summary = book.rows(SUMMARY_SHEET);
    expect(summary.slice(3).map((r) => r[0])).toEqual([book.names[1], DISTRICT_LABEL]);
    expect(summary[3]![SUMMARY_HEADINGS.indexOf("预警总数")]).toBe(3);
    expect(summary[4]![SUMMARY_HEADINGS.indexOf("预警总数")]).toBe(4);
    expect(res.headers["content-disposition"]).toContain(encodeURIComponent(book.names[1]!));
  });
});
