/**
 * A camera's working hours and check overrides over HTTP: read, change, reset to the default with null,
 * keys the console does not edit kept, k-of-n refused when it would stop the worker, validation, RBAC
 * (another station's camera is missing, a duty officer may read but not change) and what the analytics
 * worker makes of the stored row (rulesFromCameraRow + resolveCameraRules accept it).
 */
import { parseAnalyticsConfig, resolveCameraRules, rulesFromCameraRow } from "@mingfang/analytics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { camerasOfTwoStations, type StationCamera } from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

let t: TestApp;
let A: StationCamera;
let B: StationCamera;
const cookies: Record<string, string> = {};

const call = (user: string, method: "GET" | "PATCH", url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { cookie: cookies[user]! }, ...(payload ? { payload } : {}) });

beforeAll(async () => {
  t = await buildTestApp();
  [A, B] = await camerasOfTwoStations(t.db);
  for (const u of [`${A.stationCode}.staff`, `${A.stationCode}.duty`, "admin"]) cookies[u] = await t.login(u);
  // Overrides the console does not edit (as the demo sets them) must survive.
  await t.db
    .updateTable("cameras")
    .set({
      analytics: JSON.stringify({ checks: { unclean_area: { intervalS: 4, baseline: { samples: 3 } } } }),
    })
    .where("id", "=", A.cameraId)
    .execute();
});

afterAll(async () => {
  await t?.close();
});

const staff = () => `${A.stationCode}.staff`;
const url = (id: number) => `/api/cameras/${id}/rules`;

describe("camera rules", () => {
  it("reads defaults as nulls", async () => {
    const r = await call(staff(), "GET", url(A.cameraId));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      cameraId: A.cameraId,
      schedule: null,
      checks: Object.fromEntries(
        ["no_hat", "no_gloves", "no_mask", "unclean_area", "tamper"].map((c) => [
          c,
          { enabled: null, threshold: null, persistenceK: null, persistenceN: null, cooldownS: null },
        ]),
      ),
    });
  });

  it("saves working hours and thresholds, keeps the other overrides, and the worker accepts the row", async () => {
    const schedule = { days: [1, 2, 3, 4, 5], hours: [{ from: "07:30", to: "18:00" }] };
    const r = await call(staff(), "PATCH", url(A.cameraId), {
      schedule,
      checks: {
        no_hat: { threshold: 0.7, persistenceK: 3, persistenceN: 4, cooldownS: 600 },
        unclean_area: { enabled: false },
      },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().schedule).toEqual(schedule);
    expect(r.json().checks.no_hat).toEqual({
      enabled: null,
      threshold: 0.7,
      persistenceK: 3,
      persistenceN: 4,
      cooldownS: 600,
    });
    expect(r.json().checks.unclean_area.enabled).toBe(false);
    const row = await t.db
      .selectFrom("cameras")
      .select(["schedule", "analytics", "zones"])
      .where("id", "=", A.cameraId)
      .executeTakeFirstOrThrow();
    expect(row.analytics).toEqual({
      checks: {
        no_hat: { threshold: 0.7, cooldownS: 600, persistence: { k: 3, n: 4 } },
        unclean_area: { intervalS: 4, baseline: { samples: 3 }, enabled: false },
      },
    });
    const cfg = parseAnalyticsConfig({});
    const rules = resolveCameraRules(cfg.defaults, rulesFromCameraRow(row));
    expect(rules.schedule).toEqual(schedule);
    expect(rules.checks.no_hat).toMatchObject({
      threshold: 0.7,
      cooldownS: 600,
      persistence: { k: 3, n: 4 },
    });
    expect(rules.checks.unclean_area).toMatchObject({ enabled: false, intervalS: 4 });
  });

  it("tunes the tamper check and keeps its reference epoch", async () => {
    const before = await t.db
      .selectFrom("cameras")
      .select("analytics")
      .where("id", "=", A.cameraId)
      .executeTakeFirstOrThrow();
    await t.db
      .updateTable("cameras")
      .set({
        analytics: JSON.stringify({
          ...(before.analytics as object),
          checks: {
            ...((before.analytics as { checks?: object }).checks ?? {}),
            tamper: { referenceEpoch: 2 },
          },
        }),
      })
      .where("id", "=", A.cameraId)
      .execute();
    const r = await call(staff(), "PATCH", url(A.cameraId), {
      checks: { tamper: { cooldownS: 900, persistenceK: 3, persistenceN: 4 } },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().checks.tamper).toMatchObject({ cooldownS: 900, persistenceK: 3, persistenceN: 4 });
    const row = await t.db
      .selectFrom("cameras")
      .select(["schedule", "analytics", "zones"])
      .where("id", "=", A.cameraId)
      .executeTakeFirstOrThrow();
    expect((row.analytics as { checks: { tamper: unknown } }).checks.tamper).toEqual({
      referenceEpoch: 2,
      cooldownS: 900,
      persistence: { k: 3, n: 4 },
    });
    const rules = resolveCameraRules(parseAnalyticsConfig({}).defaults, rulesFromCameraRow(row));
    expect(rules.checks.tamper).toMatchObject({
      cooldownS: 900,
      referenceEpoch: 2,
      persistence: { k: 3, n: 4 },
    });
    await t.db
      .updateTable("cameras")
      .set({ analytics: before.analytics === null ? null : JSON.stringify(before.analytics) })
      .where("id", "=", A.cameraId)
      .execute();
  });

  it("null puts a value back to the default and the schedule back to the workshop's hours", async () => {
    const r = await call(staff(), "PATCH", url(A.cameraId), {
      schedule: null,
      checks: { no_hat: { threshold: null, persistenceK: null, persistenceN: null, cooldownS: null } },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().schedule).toBeNull();
    expect(r.json().checks.no_hat.threshold).toBeNull();
    const row = await t.db
      .selectFrom("cameras")
      .select(["schedule", "analytics"])
      .where("id", "=", A.cameraId)
      .executeTakeFirstOrThrow();
    expect(row.schedule).toBeNull();
    expect(row.analytics).toEqual({
      checks: { unclean_area: { intervalS: 4, baseline: { samples: 3 }, enabled: false } },
    });
  });

  it("refuses k above n, k without n, bad times, thresholds out of 0–1 and unknown checks", async () => {
    const bad = [
      { checks: { no_hat: { persistenceK: 5, persistenceN: 3 } } },
      { checks: { no_gloves: { persistenceK: 2 } } },
      { schedule: { days: [1], hours: [{ from: "25:00", to: "18:00" }] } },
      { schedule: { days: [], hours: [{ from: "08:00", to: "18:00" }] } },
      { schedule: { days: [8], hours: [{ from: "08:00", to: "18:00" }] } },
      { checks: { no_hat: { threshold: 1.5 } } },
      { checks: { smoking: { threshold: 0.5 } } },
      {},
    ];
    for (const payload of bad) {
      const r = await call(staff(), "PATCH", url(A.cameraId), payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error).toBe("validation_failed");
    }
    expect(
      (await call(staff(), "PATCH", url(A.cameraId), { checks: { no_gloves: { persistenceK: 2 } } })).json()
        .field,
    ).toBe("checks.no_gloves.persistenceK");
  });

  it("another station's camera is missing; a duty officer reads but may not change", async () => {
    expect((await call(staff(), "GET", url(B.cameraId))).statusCode).toBe(404);
    expect((await call(staff(), "PATCH", url(B.cameraId), { schedule: null })).statusCode).toBe(404);
    const duty = `${A.stationCode}.duty`;
    expect((await call(duty, "GET", url(A.cameraId))).statusCode).toBe(200);
    expect((await call(duty, "PATCH", url(A.cameraId), { schedule: null })).statusCode).toBe(403);
    expect((await call("admin", "PATCH", url(B.cameraId), { schedule: null })).statusCode).toBe(200);
    expect((await call("admin", "GET", url(999999))).statusCode).toBe(404);
  });
});
