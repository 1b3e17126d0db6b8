import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CameraSimulator, type ClipRecipe, OPENCV_SAMPLES } from "@mingfang/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chooseProfiles,
  classifyOnvifFailure,
  OnvifError,
  parseOnvifAddress,
  probeOnvifCamera,
  withCredentials,
} from "./onvif-client.js";

const run = promisify(execFile);

const recipes: ClipRecipe[] = [
  {
    name: "walk",
    description: "2 s of vtest",
    source: { kind: "video", path: `${OPENCV_SAMPLES}/vtest.avi`, start: 20, duration: 2 },
    fps: 10,
    main: { width: 384, height: 288, kbps: 400 },
    sub: { width: 240, height: 180, kbps: 150 },
  },
];

async function failure(p: Promise<unknown>): Promise<OnvifError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OnvifError);
    return err as OnvifError;
  }
  throw new Error("expected a failure");
}

describe("ONVIF client (pure parts)", () => {
  it("parses addresses and refuses credentials in them", () => {
    expect(parseOnvifAddress("http://127.0.0.1:8000/onvif/device_service")).toEqual({
      hostname: "127.0.0.1",
      port: 8000,
      path: "/onvif/device_service",
      secure: false,
    });
    expect(parseOnvifAddress("https://cam.example").path).toBe("/onvif/device_service");
    expect(parseOnvifAddress("https://cam.example").port).toBe(443);
    expect(() => parseOnvifAddress("ftp://cam")).toThrow(OnvifError);
    expect(() => parseOnvifAddress("not a url")).toThrow(/not a valid/);
    expect(() => parseOnvifAddress("http://admin:pw@cam/")).toThrow(/own fields/);
  });

  it("classifies the onvif package's failures", () => {
    expect(
      classifyOnvifFailure(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })).code,
    ).toBe("unreachable");
    expect(classifyOnvifFailure(new Error("Network timeout")).code).toBe("unreachable");
    expect(classifyOnvifFailure(new Error("ONVIF SOAP Fault: Sender not authorized")).code).toBe(
      "wrong_credentials",
    );
    expect(classifyOnvifFailure(new Error("Digest authentication failed 401")).code).toBe(
      "wrong_credentials",
    );
    expect(classifyOnvifFailure(new Error("ONVIF SOAP Fault: Action failed")).code).toBe("soap_fault");
    expect(classifyOnvifFailure(new Error("Wrong ONVIF SOAP response")).code).toBe("not_onvif");
  });

  it("chooses the largest profile for live view and the smallest for analysis", () => {
    const a = { width: 1920, height: 1080 };
    const b = { width: 640, height: 360 };
    const c = { width: 1280, height: 720 };
    expect(chooseProfiles([b, a, c])).toEqual({ main: a, sub: b });
    expect(chooseProfiles([c])).toEqual({ main: c, sub: c });
    expect(chooseProfiles([])).toBeUndefined();
  });

  it("puts credentials into a stream URI, encoded", () => {
    expect(withCredentials("rtsp://10.0.0.2:554/s/main", "admin", "p@ss:w/rd")).toBe(
      "rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.2:554/s/main",
    );
  });
});

describe("ONVIF client against the simulator", () => {
  const sim = new CameraSimulator();
  let dataDir: string;
  const creds = { username: "admin", password: "onvif-pw" };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-onvif-"));
    await sim.start({
      dataDir,
      recipes,
      discoveryInterface: false,
      cameras: [
        { key: "good", ...creds },
        { key: "faulty", ...creds, onvif: { faultOn: ["GetDeviceInformation"] } },
        { key: "empty", ...creds, onvif: { noProfiles: true } },
        { key: "off", ...creds },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reads device information, profiles, stream and snapshot URIs", async () => {
    const r = await probeOnvifCamera({ onvifUrl: sim.onvifUrl("good"), ...creds });
    expect(r.device).toMatchObject({ manufacturer: "Mingfang Simulator", serialNumber: "SIM-good" });
    expect(r.profiles.map((p) => p.token)).toEqual(["main", "sub"]);
    expect(r.mainProfile).toMatchObject({
      token: "main",
      encoding: "H264",
      width: 384,
      height: 288,
      fps: 10,
    });
    expect(r.subProfile).toMatchObject({ token: "sub", width: 240, height: 180 });
    expect(r.mainProfile.streamUri).toBe(sim.rtspUrl("good", "main", { credentials: false }));
    expect(r.subProfile.streamUri).toBe(sim.rtspUrl("good", "sub", { credentials: false }));
    // The URI plus the credentials is what the ingest pulls: it plays.
    const { stdout } = await run(
      "ffprobe",
      [
        "-v",
        "error",
        "-rtsp_transport",
        "tcp",
        "-show_entries",
        "stream=codec_name,width,height",
        "-of",
        "csv=p=0",
        withCredentials(r.subProfile.streamUri, creds.username, creds.password),
      ],
      { timeout: 15_000 },
    );
    expect(stdout.trim()).toBe("h264,240,180");
    // The snapshot is a JPEG behind the camera's credentials.
    const snap = r.mainProfile.snapshotUri ?? "";
    expect((await fetch(snap)).status).toBe(401);
    const res = await fetch(snap, {
      headers: {
        authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`,
      },
    });
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect([...new Uint8Array(await res.arrayBuffer()).slice(0, 2)]).toEqual([0xff, 0xd8]);
  });

  it("wrong password → wrong_credentials", async () => {
    const e = await failure(
      probeOnvifCamera({ onvifUrl: sim.onvifUrl("good"), username: "admin", password: "nope" }),
    );
    expect(e.code).toBe("wrong_credentials");
    expect(e.message).not.toContain("nope");
    expect(
      (
        await failure(
          probeOnvifCamera({ onvifUrl: sim.onvifUrl("good"), username: "root", password: creds.password }),
        )
      ).code,
    ).toBe("wrong_credentials");
  });

  it("SOAP fault → soap_fault; no profiles → no_profiles", async () => {
    const fault = await failure(probeOnvifCamera({ onvifUrl: sim.onvifUrl("faulty"), ...creds }));
    expect(fault.code).toBe("soap_fault");
    expect(fault.message).toContain("GetDeviceInformation failed");
    expect((await failure(probeOnvifCamera({ onvifUrl: sim.onvifUrl("empty"), ...creds }))).code).toBe(
      "no_profiles",
    );
  });

  it("a camera that is off, or a dead port → unreachable; a web server that is not ONVIF → not_onvif", async () => {
    const url = sim.onvifUrl("off");
    await sim.fault("off", "stop");
    expect((await failure(probeOnvifCamera({ onvifUrl: url, ...creds, timeoutMs: 2000 }))).code).toBe(
      "unreachable",
    );
    await sim.fault("off", "resume");
    expect((await probeOnvifCamera({ onvifUrl: url, ...creds })).profiles).toHaveLength(2);
    const snapshotPage = sim.onvifUrl("good").replace("/onvif/device_service", "/onvif/snapshot.jpg");
    expect((await failure(probeOnvifCamera({ onvifUrl: snapshotPage, ...creds }))).code).toBe("not_onvif");
    expect((await failure(probeOnvifCamera({ onvifUrl: "ftp://127.0.0.1/", ...creds }))).code).toBe(
      "bad_address",
    );
  });
});
