/**
 * Camera uptime in working hours, on a hand-made status log with known answers (local times are
 * Asia/Shanghai, UTC+8), and the status-log writer's "one row per change".
 */
import type { Db } from "@mingfang/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../../test/support/harness.js";
import { CameraStatusLogRepository } from "../alerts/camera-status-log.repository.js";
import { DashboardRepository } from "./dashboard.repository.js";
import { dayStart } from "./dashboard.service.js";

const local = (s: string) => new Date(`${s}+08:00`);

describe.each(backends())("uptime in working hours on %s", (backend) => {
  let h: Awaited<ReturnType<typeof openTestDb>>;
  let db: Db;
  let repo: DashboardRepository;
  let log: CameraStatusLogRepository;
  let stationA: number;
  let stationB: number;
  const cam: Record<string, number> = {};

  const station = async (code: string) =>
    (
      await db
        .insertInto("stations")
        .values({
          code,
          name: code,
          pinyin: code,
          target_demonstration_workshops: 1,
          target_upgraded_to_enterprises: 1,
          target_video_supervision_pilots: 1,
          target_industry_association_activities: 1,
        })
        .returning("id")
        .executeTakeFirstOrThrow()
    ).id;

  const camera = async (stationId: number, name: string, hours: unknown) => {
    const w = await db
      .insertInto("workshops")
      .values({
        station_id: stationId,
        name,
        licence_no: `L-${name}`,
        address: "x",
        category: "豆制品",
        risk_level: "low",
        cold_chain: false,
        demo_site: false,
        pilot: true,
        operator_name: null,
        phone: null,
        employees: null,
        working_hours: hours === null ? null : JSON.stringify(hours),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const c = await db
      .insertInto("cameras")
      .values({ workshop_id: w.id, name, area: "加工区", source_url_enc: null, source_url_masked: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    cam[name] = c.id;
    return c.id;
  };

  const write = (id: number, rows: [string, "online" | "offline" | "stalled" | "disabled"][]) =>
    db
      .insertInto("camera_status_log")
      .values(rows.map(([at, status]) => ({ camera_id: id, status, at: local(at) })))
      .execute();

  beforeAll(async () => {
    h = await openTestDb(backend);
    db = h.db;
    repo = new DashboardRepository(db);
    log = new CameraStatusLogRepository(db);
    stationA = await station("a");
    stationB = await station("b");
    // 08:00–18:00 every day: offline 10:00–12:00 (2 of 10 hours), offline 20:00–21:00 (outside: no count).
    await write(await camera(stationA, "day", { start: "08:00", end: "18:00" }), [
      ["2026-03-02T06:00:00", "online"],
      ["2026-03-02T10:00:00", "offline"],
      ["2026-03-02T12:00:00", "online"],
      ["2026-03-02T20:00:00", "offline"],
      ["2026-03-02T21:00:00", "online"],
    ]);
    // First seen at 13:00 and online since: only 13:00–18:00 counts, all of it online.
    await write(await camera(stationB, "late", { start: "08:00", end: "18:00" }), [
      ["2026-03-02T13:00:00", "online"],
    ]);
    // An overnight shift 22:00–06:00, weekdays only (2026-03-07 is a Saturday); stalled 02:00–03:00.
    await write(await camera(stationB, "night", { start: "22:00", end: "06:00", days: [1, 2, 3, 4, 5] }), [
      ["2026-03-01T00:00:00", "online"],
      ["2026-03-06T02:00:00", "stalled"],
      ["2026-03-06T03:00:00", "online"],
    ]);
    await camera(stationB, "silent", { start: "08:00", end: "18:00" });
    // Disabled on purpose 10:00–12:00 and offline 14:00–15:00: 8 working hours, 7 of them online.
    await write(await camera(stationA, "paused", { start: "08:00", end: "18:00" }), [
      ["2026-03-02T06:00:00", "online"],
      ["2026-03-02T10:00:00", "disabled"],
      ["2026-03-02T12:00:00", "online"],
      ["2026-03-02T14:00:00", "offline"],
      ["2026-03-02T15:00:00", "online"],
    ]);
  });
  afterAll(() => h.close());

  const oneDay = (day: string) => ({
    start: dayStart(day),
    end: new Date(dayStart(day).getTime() + 86_400_000),
  });

  it("is online time in working hours over working hours: offline 2 of 10 hours is 0.8", async () => {
    const [r] = await repo.uptime(oneDay("2026-03-02"), [cam.day!]);
    expect(r).toMatchObject({ station_id: stationA, working_seconds: 36_000, online_seconds: 28_800 });
  });

  it("leaves time a camera was disabled on purpose out of both the online and the working time", async () => {
    const [r] = await repo.uptime(oneDay("2026-03-02"), [cam.paused!]);
    expect(r).toMatchObject({ station_id: stationA, working_seconds: 8 * 3600, online_seconds: 7 * 3600 });
  });

  it("counts a camera only from its first status row, and a camera without history not at all", async () => {
    const rows = await repo.uptime(oneDay("2026-03-02"), [cam.late!, cam.silent!]);
    expect(rows).toEqual([{ station_id: stationB, working_seconds: 5 * 3600, online_seconds: 5 * 3600 }]);
    expect(await repo.uptime(oneDay("2026-03-01"), [cam.late!, cam.silent!])).toEqual([]);
  });

  it("follows an overnight shift into the next day and skips the days off", async () => {
    // Thursday 5 → Friday 6: the shift of Thursday 22:00 to Friday 06:00, with one stalled hour.
    const p = { start: local("2026-03-05T12:00:00"), end: local("2026-03-06T12:00:00") };
    expect((await repo.uptime(p, [cam.night!]))[0]).toMatchObject({
      working_seconds: 8 * 3600,
      online_seconds: 7 * 3600,
    });
    // Saturday 7 and Sunday 8 are days off: only the end of Friday's shift (Saturday 00:00–06:00) counts.
    const weekend = { start: dayStart("2026-03-07"), end: dayStart("2026-03-09") };
    expect(await repo.uptime(weekend, [cam.night!])).toEqual([
      { station_id: stationB, working_seconds: 6 * 3600, online_seconds: 6 * 3600 },
    ]);
  });

  it("reads a camera's log from its last row at or before the period's start", async () => {
    // Starts inside the 10:00–12:00 offline run, after two earlier rows: 11–18 = 7 h, 1 h offline.
    const p = { start: local("2026-03-02T11:00:00"), end: local("2026-03-02T18:00:00") };
    expect((await repo.uptime(p, [cam.day!]))[0]).toMatchObject({
      working_seconds: 7 * 3600,
      online_seconds: 6 * 3600,
    });
    // Starts an hour into the 12:00 online run: the 12:00 row (before the start) says 13–18 is online.
    const q = { start: local("2026-03-02T13:00:00"), end: local("2026-03-02T18:00:00") };
    expect((await repo.uptime(q, [cam.day!]))[0]).toMatchObject({
      working_seconds: 5 * 3600,
      online_seconds: 5 * 3600,
    });
  });

  it("sums a station's cameras over a period that starts inside a run", async () => {
    const p = { start: local("2026-03-02T09:00:00"), end: local("2026-03-03T00:00:00") };
    const rows = await repo.uptime(p, [cam.day!, cam.late!]);
    const byStation = Object.fromEntries(rows.map((r) => [r.station_id, r]));
    // day: 09–18 = 9 h working, 2 h offline; late: 13–18 = 5 h, online.
    expect(byStation[stationA]).toMatchObject({ working_seconds: 9 * 3600, online_seconds: 7 * 3600 });
    expect(byStation[stationB]).toMatchObject({ working_seconds: 5 * 3600, online_seconds: 5 * 3600 });
  });

  it("writes a status row only on a change, once however often it is reported", async () => {
    const id = cam.silent!;
    const at = local("2026-04-01T09:00:00");
    expect(await log.recordChange(id, "online", at)).toBe(true);
    expect(await log.recordChange(id, "online", at)).toBe(false);
    expect(await log.recordChange(id, "online", local("2026-04-01T09:30:00"))).toBe(false);
    expect(await log.recordChange(id, "offline", local("2026-04-01T10:00:00"))).toBe(true);
    // A report dated before the last row is moved just after it.
    expect(await log.recordChange(id, "online", local("2026-04-01T09:59:00"))).toBe(true);
    const rows = await db
      .selectFrom("camera_status_log")
      .select(["status", "at"])
      .where("camera_id", "=", id)
      .orderBy("at")
      .execute();
    expect(rows.map((r) => r.status)).toEqual(["online", "offline", "online"]);
    expect(new Date(rows[2]!.at).getTime()).toBe(local("2026-04-01T10:00:00").getTime() + 1);
  });
});
