/**
 * The tamper check's reference epoch over HTTP: a deliberate re-aim (`relearnReference`) or a new stream
 * URL bumps `analytics.checks.tamper.referenceEpoch` in the camera's row, keeping the other overrides;
 * the worker's reading of the row (rulesFromCameraRow + resolveCameraRules) carries the new epoch, which
 * makes it learn a new reference. Other edits leave the epoch alone.
 */
import { parseAnalyticsConfig, resolveCameraRules, rulesFromCameraRow } from "@mingfang/analytics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { camerasOfTwoStations, type StationCamera } from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { withNewTamperReference } from "./camera-rules.mapping.js";

let t: TestApp;
let A: StationCamera;
let cookie: string;

beforeAll(async () => {
  t = await buildTestApp();
  [A] = (await camerasOfTwoStations(t.db)) as [StationCamera, StationCamera];
  cookie = await t.login(`${A.stationCode}.staff`);
  await t.db
    .updateTable("cameras")
    .set({ analytics: JSON.stringify({ checks: { unclean_area: { intervalS: 4 } } }) })
    .where("id", "=", A.cameraId)
    .execute();
});

afterAll(async () => {
  await t?.close();
});

const patch = (payload: object) =>
  t.app.inject({ method: "PATCH", url: `/api/cameras/${A.cameraId}`, headers: { cookie }, payload });
const epoch = async () => {
  const row = await t.db
    .selectFrom("cameras")
    .select(["analytics", "zones", "schedule"])
    .where("id", "=", A.cameraId)
    .executeTakeFirstOrThrow();
  const rules = resolveCameraRules(parseAnalyticsConfig({}).defaults, rulesFromCameraRow(row));
  expect(rules.checks.unclean_area.intervalS).toBe(4);
  return rules.checks.tamper.referenceEpoch;
};

describe("tamper reference epoch", () => {
  it("a re-aim on purpose or another stream bumps it; a rename does not", async () => {
    expect(await epoch()).toBe(0);
    let r = await patch({ relearnReference: true });
    expect(r.statusCode, r.body).toBe(200);
    expect(await epoch()).toBe(1);
    r = await patch({ name: "换了名字" });
    expect(r.statusCode, r.body).toBe(200);
    expect(await epoch()).toBe(1);
    r = await patch({ subUrl: "rtsp://192.0.2.10:554/sub" });
    expect(r.statusCode, r.body).toBe(200);
    expect(await epoch()).toBe(2);
    expect((await patch({ relearnReference: false })).statusCode).toBe(400);
  });

  it("bumps from what is stored, whatever it is", () => {
    expect(withNewTamperReference(null)).toEqual({ checks: { tamper: { referenceEpoch: 1 } } });
    expect(withNewTamperReference('{"checks":{"tamper":{"referenceEpoch":4,"intervalS":5}}}')).toEqual({
      checks: { tamper: { referenceEpoch: 5, intervalS: 5 } },
    });
    expect(withNewTamperReference({ checks: { tamper: { referenceEpoch: "x" } }, other: 1 })).toEqual({
      checks: { tamper: { referenceEpoch: 1 } },
      other: 1,
    });
  });
});
