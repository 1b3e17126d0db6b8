/**
 * The `actions` of an alert view are the viewer's: the duty officer and the bureau get the lifecycle
 * buttons of the alert's state, station staff (read-only on alerts) only "open a case" (case.create).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  camerasOfTwoStations,
  makeAlert,
  type StationCamera,
} from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

describe("alert actions by viewer", () => {
  let t: TestApp;
  let dataDir: string;
  let A: StationCamera;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-alert-actions-"));
    t = await buildTestApp({ env: { DATA_DIR: dataDir } });
    [A] = await camerasOfTwoStations(t.db);
    cookies.duty = await t.login(`${A.stationCode}.duty`);
    cookies.staff = await t.login(`${A.stationCode}.staff`);
    cookies.admin = await t.login("admin");
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string, cookie: string) => t.app.inject({ method: "GET", url, headers: { cookie } });

  it("lists only the actions the viewer may take, in the list and in the detail", async () => {
    const job = await makeAlert(t.redis, A.cameraId, { type: "no_hat" });
    await t.app.alertService.intake(job);
    const expected = {
      duty: ["acknowledge", "open_case"],
      admin: ["acknowledge", "open_case"],
      staff: ["open_case"],
    };
    for (const [who, actions] of Object.entries(expected)) {
      const one = await get(`/api/alerts/${job.id}`, cookies[who]!);
      expect(one.statusCode).toBe(200);
      expect(one.json().actions, who).toEqual(actions);
      const list = await get(`/api/alerts?cameraId=${A.cameraId}`, cookies[who]!);
      const item = list.json().items.find((a: { id: string }) => a.id === job.id);
      expect(item.actions, who).toEqual(actions);
    }
    const ack = await t.app.inject({
      method: "POST",
      url: `/api/alerts/${job.id}/acknowledge`,
      headers: { cookie: cookies.duty! },
      payload: { note: "已查看" },
    });
    expect(ack.json().actions).toEqual(["mark_false_positive", "resolve", "open_case"]);
    expect((await get(`/api/alerts/${job.id}`, cookies.staff!)).json().actions).toEqual(["open_case"]);
  });
});
