import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CameraSimulator, type ClipRecipe, OPENCV_SAMPLES } from "@mingfang/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

const recipes: ClipRecipe[] = [
  {
    name: "walk",
    description: "2 s of vtest",
    source: { kind: "video", path: `${OPENCV_SAMPLES}/vtest.avi`, start: 30, duration: 2 },
    fps: 10,
    main: { width: 384, height: 288, kbps: 400 },
    sub: { width: 240, height: 180, kbps: 150 },
  },
];

describe("ONVIF routes against the camera simulator", () => {
  let t: TestApp;
  const sim = new CameraSimulator();
  let dataDir: string;
  let staff: string;
  const password = "Pr0be-secret!";

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mf-onvif-api-"));
    await sim.start({
      dataDir,
      recipes,
      cameras: [
        { key: "api-good", name: "明水 卤肉坊", username: "admin", password },
        { key: "api-fault", username: "admin", password, onvif: { faultOn: ["GetDeviceInformation"] } },
        { key: "api-empty", username: "admin", password, onvif: { noProfiles: true } },
      ],
    });
    t = await buildTestApp();
    staff = await t.login("mingshui.staff");
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const probe = (payload: unknown, cookie = staff) =>
    t.app.inject({
      method: "POST",
      url: "/api/cameras/probe",
      headers: { cookie },
      payload: payload as object,
    });

  it("probe: profiles and masked stream URIs, never the credentials", async () => {
    const res = await probe({ onvifUrl: sim.onvifUrl("api-good"), username: "admin", password });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.device.serialNumber).toBe("SIM-api-good");
    expect(body.mainProfile).toBe("main");
    expect(body.subProfile).toBe("sub");
    expect(body.profiles[1]).toMatchObject({ token: "sub", width: 240, height: 180, encoding: "H264" });
    expect(body.profiles[0].streamUrl).toBe(sim.rtspUrl("api-good", "main", { credentials: false }));
    expect(res.body).not.toContain(password);
    expect(t.logs.join("\n")).not.toContain(password);
  });

  it("probe: every ONVIF failure has its own clear error", async () => {
    const cases: [object, number, string][] = [
      [
        { onvifUrl: sim.onvifUrl("api-good"), username: "admin", password: "wrong" },
        422,
        "onvif_wrong_credentials",
      ],
      [{ onvifUrl: sim.onvifUrl("api-fault"), username: "admin", password }, 422, "onvif_soap_fault"],
      [{ onvifUrl: sim.onvifUrl("api-empty"), username: "admin", password }, 422, "onvif_no_profiles"],
      [
        { onvifUrl: "http://127.0.0.1:9/onvif/device_service", username: "admin", password },
        422,
        "onvif_unreachable",
      ],
      [{ onvifUrl: "ftp://127.0.0.1/", username: "admin", password }, 400, "validation_failed"],
      [{ onvifUrl: sim.onvifUrl("api-good"), username: "admin" }, 400, "validation_failed"],
    ];
    for (const [payload, status, code] of cases) {
      const res = await probe(payload);
      expect({ status: res.statusCode, code: res.json().error }).toEqual({ status, code });
      expect(res.json().message.length).toBeGreaterThan(10);
      expect(res.body).not.toContain(password);
    }
    expect(t.logs.join("\n")).not.toContain(password);
  });

  it("discover: devices answering on the configured interface (127.0.0.1)", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/cameras/discover",
      headers: { cookie: staff },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.interface).toBe("127.0.0.1");
    const good = body.devices.find((d: { onvifUrl: string }) => d.onvifUrl === sim.onvifUrl("api-good"));
    expect(good).toMatchObject({ name: "明水 卤肉坊", hardware: "SIM-IPC-2", from: "127.0.0.1" });
    const mine = body.devices.filter((d: { onvifUrl: string }) =>
      sim.keys.some((k) => sim.onvifUrl(k) === d.onvifUrl),
    );
    expect(mine).toHaveLength(3);
  });

  it("only bureau admins and station staff may discover or probe", async () => {
    const duty = await t.login("mingshui.duty");
    const brigade = await t.login("brigade");
    for (const cookie of [duty, brigade]) {
      expect(
        (await t.app.inject({ method: "POST", url: "/api/cameras/discover", headers: { cookie } }))
          .statusCode,
      ).toBe(403);
      expect(
        (await probe({ onvifUrl: sim.onvifUrl("api-good"), username: "admin", password }, cookie)).statusCode,
      ).toBe(403);
    }
    expect((await t.app.inject({ method: "POST", url: "/api/cameras/discover" })).statusCode).toBe(401);
    const admin = await t.login("admin");
    expect(
      (await t.app.inject({ method: "POST", url: "/api/cameras/discover", headers: { cookie: admin } }))
        .statusCode,
    ).toBe(200);
  });
});
