/**
 * GET /api/dashboard on the seeded district: the targets against the data, a period's alerts, their
 * acknowledgement, cases and uptime against hand-computed figures; the scope of each role; bad queries.
 */
import { randomUUID } from "node:crypto";
import { REDIS_KEYS } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertAlertRow, waitUntil } from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { dayStart, localDay } from "./dashboard.service.js";

const H = 3600_000;

describe("GET /api/dashboard", () => {
  let t: TestApp;
  let mingshui: number;
  let shuangshan: number;
  let today: string;
  let from: string;
  const period = () => `from=${from}&to=${today}`;

  const get = async (user: string, query = "") =>
    t.app.inject({
      url: `/api/dashboard${query ? `?${query}` : ""}`,
      headers: { cookie: await t.login(user) },
    });

  const camerasOf = (stationId: number) =>
    t.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select(["c.id", "c.workshop_id"])
      .where("w.station_id", "=", stationId)
      .orderBy("c.id")
      .execute();

  const alert = (cameraId: number, stationId: number, type: string, at: Date, ackAfterS: number | null) =>
    insertAlertRow(t.db, { cameraId, stationId, type, at, ackAfterS });

  const kase = (stationId: number, state: string, deadline: Date | null, createdAt = new Date()) =>
    t.db
      .insertInto("cases")
      .values({
        id: randomUUID(),
        code: `T-${randomUUID().slice(0, 8)}`,
        station_id: stationId,
        workshop_id: null,
        title: "测试案件",
        description: null,
        state,
        deadline,
        outcome: state === "closed" ? "rectified" : null,
        opened_by: null,
        closed_at: state === "closed" ? new Date() : null,
        created_at: createdAt,
      })
      .execute();

  beforeAll(async () => {
    t = await buildTestApp();
    mingshui = await t.stationId("mingshui");
    shuangshan = await t.stationId("shuangshan");
    const now = new Date();
    today = localDay(now);
    from = localDay(new Date(now.getTime() - 6 * 24 * H));
    const [c1, c2] = await camerasOf(mingshui);
    const [c3] = await camerasOf(shuangshan);
    // Two mingshui alerts (acknowledged after 2 and 10 minutes), one shuangshan alert never acknowledged,
    // and one mingshui alert before the period (not counted).
    await alert(c1!.id, mingshui, "no_mask", new Date(now.getTime() - 2 * H), 120);
    await alert(c1!.id, mingshui, "rodent", new Date(now.getTime() - 1 * H), 600);
    await alert(c3!.id, shuangshan, "no_mask", new Date(now.getTime() - 1 * H), null);
    await alert(c1!.id, mingshui, "no_mask", new Date(dayStart(from).getTime() - H), 30);
    // Mingshui: one case closed, one open past its deadline, one open in time; one before the period.
    await kase(mingshui, "closed", null);
    await kase(mingshui, "dispatched", new Date(now.getTime() - H));
    await kase(mingshui, "open", new Date(now.getTime() + H));
    await kase(mingshui, "open", null, new Date(dayStart(from).getTime() - H));
    // Uptime: both mingshui cameras observed from the period's start, working all day; one online, one not.
    const allDay = JSON.stringify({ start: "00:00", end: "00:00" });
    await t.db
      .updateTable("workshops")
      .set({ working_hours: allDay })
      .where("id", "in", [c1!.workshop_id, c2!.workshop_id])
      .execute();
    await t.db
      .insertInto("camera_status_log")
      .values([
        { camera_id: c1!.id, status: "online", at: dayStart(from) },
        { camera_id: c2!.id, status: "offline", at: dayStart(from) },
      ])
      .execute();
    const at = now.toISOString();
    await t.redis.set(
      REDIS_KEYS.cameraStatus(c1!.id),
      JSON.stringify({
        cameraId: c1!.id,
        status: "online",
        state: "live",
        fps: 5,
        bitrateKbps: 900,
        lastFrameAt: at,
        lastError: null,
        since: at,
        restarts: 0,
        updatedAt: at,
      }),
    );
  });
  afterAll(() => t.close());

  it("gives the bureau every station's targets as the data has them, in Annex 1's order", async () => {
    const res = await get("admin", period());
    expect(res.statusCode).toBe(200);
    const v = res.json();
    const stations = await t.db.selectFrom("stations").selectAll().orderBy("id").execute();
    expect(v.stations.map((s: { stationId: number }) => s.stationId)).toEqual(stations.map((s) => s.id));
    expect(v.stations).toHaveLength(18);
    const count = async (q: ReturnType<typeof t.db.selectFrom<"workshops as w">>, stationId: number) =>
      Number(
        (
          await q
            .select(({ fn }) => fn.countAll<string>().as("n"))
            .where("w.station_id", "=", stationId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    for (const s of stations) {
      const row = v.stations.find((x: { stationId: number }) => x.stationId === s.id);
      const w = () => t.db.selectFrom("workshops as w");
      const pilots = await count(
        w()
          .where("w.pilot", "=", true)
          .where(({ exists, selectFrom }) =>
            exists(
              selectFrom("cameras as c")
                .select("c.id")
                .whereRef("c.workshop_id", "=", "w.id")
                .where("c.enabled", "=", true),
            ),
          ),
        s.id,
      );
      const activities = await t.db
        .selectFrom("association_activities")
        .select(({ fn }) => fn.countAll<string>().as("n"))
        .where("station_id", "=", s.id)
        .executeTakeFirstOrThrow();
      expect(row.targets).toEqual({
        demonstrationWorkshops: {
          target: s.target_demonstration_workshops,
          achieved: await count(w().where("w.demonstration_level", "is not", null), s.id),
        },
        upgradedToEnterprises: {
          target: s.target_upgraded_to_enterprises,
          achieved: await count(w().where("w.upgraded_on", "is not", null), s.id),
        },
        videoSupervisionPilots: { target: s.target_video_supervision_pilots, achieved: pilots },
        industryAssociationActivities: {
          target: s.target_industry_association_activities,
          achieved: Number(activities.n),
        },
      });
    }
    // The district sums the stations: 126, 27, 42 and 20 in Annex 1.
    expect(v.stationId).toBeNull();
    expect(v.district).toBeNull();
    expect(v.summary.targets.demonstrationWorkshops.target).toBe(126);
    expect(v.summary.targets.upgradedToEnterprises.target).toBe(27);
    expect(v.summary.targets.videoSupervisionPilots.target).toBe(42);
    expect(v.summary.targets.industryAssociationActivities.target).toBe(20);
  });

  it("counts the period's alerts, acknowledgements, cases, live cameras and uptime", async () => {
    const v = (await get("admin", `${period()}&stationId=${mingshui}`)).json();
    expect(v.stationId).toBe(mingshui);
    const s = v.summary;
    expect(s.alerts.total).toBe(2);
    expect(s.alerts.byType).toEqual([
      { type: "no_mask", count: 1 },
      { type: "rodent", count: 1 },
    ]);
    expect(s.alerts.byDay).toHaveLength(7);
    expect(s.alerts.byDay[0]).toEqual({ day: from, count: 0 });
    expect(s.alerts.byDay.reduce((n: number, d: { count: number }) => n + d.count, 0)).toBe(2);
    expect(s.alerts.ackMedianSeconds).toBe(360);
    expect(s.alerts.ackP90Seconds).toBeCloseTo(120 + 0.9 * 480, 6);
    expect(s.cases).toEqual({ opened: 3, closed: 1, overdue: 1, closureRate: 1 / 3 });
    expect(s.cameras.live).toBe(1);
    expect(s.cameras.uptime).toBeCloseTo(0.5, 6);
    // The district beside it: three alerts, one more of no_mask; the same acknowledgements.
    expect(v.district.alerts.total).toBe(3);
    expect(v.district.alerts.byType[0]).toEqual({ type: "no_mask", count: 2 });
    expect(v.district.alerts.ackMedianSeconds).toBe(360);
    expect(v.district.cameras.live).toBe(1);
    const row = v.stations.find((x: { stationId: number }) => x.stationId === mingshui);
    expect(row).toMatchObject({ alerts: 2, casesOpened: 3, casesClosed: 1, casesOverdue: 1, camerasLive: 1 });
    expect(row.uptime).toBeCloseTo(0.5, 6);
    expect(v.stations.find((x: { stationId: number }) => x.stationId === shuangshan)).toMatchObject({
      alerts: 1,
      uptime: null,
    });
    const risk = await t.db
      .selectFrom("workshops")
      .select("risk_level")
      .where("station_id", "=", mingshui)
      .execute();
    expect(s.workshopsByRisk).toEqual({
      high: risk.filter((r) => r.risk_level === "high").length,
      medium: risk.filter((r) => r.risk_level === "medium").length,
      low: risk.filter((r) => r.risk_level === "low").length,
    });
  });

  it("gives a station's user its own row and the district, and 404 for another station", async () => {
    for (const user of ["mingshui.staff", "mingshui.duty"]) {
      const v = (await get(user, period())).json();
      expect(v.stationId).toBe(mingshui);
      expect(v.stations.map((s: { stationId: number }) => s.stationId)).toEqual([mingshui]);
      expect(v.summary.alerts.total).toBe(2);
      expect(v.district.alerts.total).toBe(3);
      expect((await get(user, `stationId=${shuangshan}`)).statusCode).toBe(404);
      expect((await get(user, `stationId=${mingshui}`)).statusCode).toBe(200);
    }
  });

  it("gives the brigade every station, and 404 for a station that does not exist", async () => {
    const v = (await get("brigade", period())).json();
    expect(v.stations).toHaveLength(18);
    expect(v.summary.alerts.total).toBe(3);
    expect((await get("brigade", `stationId=${shuangshan}`)).json().summary.alerts.total).toBe(1);
    expect((await get("admin", "stationId=99999")).statusCode).toBe(404);
  });

  it("defaults to this year so far, and takes a whole leap year", async () => {
    const v = (await get("admin")).json();
    expect(v.period).toEqual({ from: `${today.slice(0, 4)}-01-01`, to: today });
    const leap = (await get("admin", "from=2024-01-01&to=2024-12-31")).json();
    expect(leap.summary.alerts.byDay).toHaveLength(366);
    expect(leap.summary.alerts.total).toBe(0);
  });

  it("refuses a bad query with 400 and the error shape", async () => {
    for (const q of [
      "from=2026-03-02&to=2026-03-01",
      "from=2025-01-01&to=2026-01-02",
      "foo=1",
      "from=2026-02-30",
      "stationId=abc",
    ]) {
      const res = await get("admin", q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json(), q).toMatchObject({ error: "validation_failed", message: expect.any(String) });
    }
    expect((await t.app.inject({ url: "/api/dashboard" })).statusCode).toBe(401);
  });

  it("has the camera-health monitor record each status change once in the status log", async () => {
    const [cam] = await camerasOf(shuangshan);
    const id = cam!.id;
    const channel = `${t.redis.options.keyPrefix}${REDIS_KEYS.cameraStatusChannel}`;
    const report = (status: "online" | "offline", since: Date) =>
      t.redis.publish(
        channel,
        JSON.stringify({
          cameraId: id,
          status,
          state: "live",
          fps: null,
          bitrateKbps: null,
          lastFrameAt: null,
          lastError: null,
          since: since.toISOString(),
          restarts: 0,
          updatedAt: new Date().toISOString(),
        }),
      );
    const t0 = Date.now() - 60_000;
    await report("online", new Date(t0));
    await report("online", new Date(t0 + 1000));
    await report("offline", new Date(t0 + 30_000));
    const rows = () =>
      t.db
        .selectFrom("camera_status_log")
        .select(["status", "at"])
        .where("camera_id", "=", id)
        .orderBy("at")
        .execute();
    await waitUntil(async () => (await rows()).length === 2, 10_000, "two status rows");
    expect((await rows()).map((r) => [r.status, new Date(r.at).getTime()])).toEqual([
      ["online", t0],
      ["offline", t0 + 30_000],
    ]);
  });
});
