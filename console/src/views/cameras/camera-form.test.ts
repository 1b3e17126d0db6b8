import { describe, expect, it } from "vitest";
import type { CameraView } from "@/api/types";
import {
  composeUrl,
  createBody,
  emptyForm,
  formFromCamera,
  splitUrl,
  updateBody,
  urlProblem,
} from "./camera-form";

const camera: CameraView = {
  id: 7,
  workshopId: 3,
  stationId: 1,
  name: "加工车间-1",
  area: "加工车间",
  sourceUrl: "rtsp://***@10.0.0.5:554/Streaming/101",
  subUrl: "rtsp://***@10.0.0.5:554/Streaming/102",
  analyse: true,
  onvifUrl: null,
  onvifUsername: null,
  hasOnvifPassword: false,
  detectProfile: null,
  recordProfile: null,
  zones: [],
  public: false,
  recordingPolicy: "events",
  clipPreSeconds: null,
  clipPostSeconds: null,
  enabled: true,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

describe("stream URLs", () => {
  it("splits off masked or real credentials", () => {
    expect(splitUrl("rtsp://***@h:554/p")).toEqual({ address: "rtsp://h:554/p", hadCredentials: true });
    expect(splitUrl("rtsp://u:p@h/p?x=1")).toEqual({ address: "rtsp://h/p?x=1", hadCredentials: true });
    expect(splitUrl("rtsp://h/p")).toEqual({ address: "rtsp://h/p", hadCredentials: false });
    expect(splitUrl(null)).toEqual({ address: "", hadCredentials: false });
  });
  it("puts credentials in, percent-encoded", () => {
    expect(composeUrl("rtsp://h:554/p", "admin", "p@ss:w/rd")).toBe("rtsp://admin:p%40ss%3Aw%2Frd@h:554/p");
    expect(composeUrl("rtsp://old@h/p", "", "")).toBe("rtsp://h/p");
    expect(composeUrl("rtsp://h/p", "viewer", "")).toBe("rtsp://viewer@h/p");
  });
  it("names what is wrong with an address", () => {
    expect(urlProblem("")).toBe("required");
    expect(urlProblem("http://h/p")).toBe("scheme");
    expect(urlProblem("rtsp://h/p?token=***")).toBe("masked");
    expect(urlProblem("rtsp://h/a b")).toBe("invalid");
    expect(urlProblem("rtsp://10.0.0.5:554/Streaming/101")).toBeNull();
  });
});

describe("create", () => {
  it("an RTSP camera with its credentials in the URLs", () => {
    const f = {
      ...emptyForm("rtsp", 3),
      name: "门口",
      area: "加工车间",
      mainUrl: "rtsp://10.0.0.5/main",
      subUrl: "rtsp://10.0.0.5/sub",
      username: "admin",
      password: "x",
    };
    expect(createBody(f)).toEqual({
      workshopId: 3,
      name: "门口",
      area: "加工车间",
      analyse: true,
      public: false,
      enabled: true,
      recordingPolicy: "events",
      sourceUrl: "rtsp://admin:x@10.0.0.5/main",
      subUrl: "rtsp://admin:x@10.0.0.5/sub",
    });
  });
  it("a push camera has no URL", () => {
    const body = createBody({ ...emptyForm("push", 3), name: "a", area: "b" });
    expect(body).toMatchObject({ push: true });
    expect(body).not.toHaveProperty("sourceUrl");
  });
  it("an ONVIF camera keeps its device address and profiles", () => {
    const f = {
      ...emptyForm("onvif", 3),
      name: "a",
      area: "b",
      mainUrl: "rtsp://h/main",
      username: "u",
      password: "p",
      onvifUrl: "http://h/onvif/device_service",
      onvifUsername: "u",
      onvifPassword: "p",
      detectProfile: "sub",
      recordProfile: "main",
    };
    expect(createBody(f)).toMatchObject({
      sourceUrl: "rtsp://u:p@h/main",
      onvifUrl: "http://h/onvif/device_service",
      onvifPassword: "p",
      detectProfile: "sub",
      recordProfile: "main",
    });
  });
  it("lists what is missing", () => {
    expect(createBody(emptyForm("rtsp"))).toEqual([
      { field: "name", problem: "required" },
      { field: "area", problem: "required" },
      { field: "workshopId", problem: "required" },
      { field: "mainUrl", problem: "required" },
    ]);
  });
});

describe("update", () => {
  it("an untouched form with an empty password changes nothing", () => {
    expect(updateBody(formFromCamera(camera), camera)).toEqual({});
  });
  it("sends only the changed fields, never the URLs when only the name changed", () => {
    expect(updateBody({ ...formFromCamera(camera), name: "新名", enabled: false }, camera)).toEqual({
      name: "新名",
      enabled: false,
    });
  });
  it("a changed address needs the password again (the stored one is never shown)", () => {
    const f = { ...formFromCamera(camera), mainUrl: "rtsp://10.0.0.6:554/Streaming/101" };
    expect(updateBody(f, camera)).toEqual([{ field: "password", problem: "again" }]);
    expect(updateBody({ ...f, username: "admin", password: "n" }, camera)).toEqual({
      sourceUrl: "rtsp://admin:n@10.0.0.6:554/Streaming/101",
      subUrl: "rtsp://admin:n@10.0.0.5:554/Streaming/102",
    });
  });
  it("a new password alone rewrites both URLs with it", () => {
    const f = { ...formFromCamera(camera), username: "admin", password: "new" };
    expect(updateBody(f, camera)).toMatchObject({ sourceUrl: "rtsp://admin:new@10.0.0.5:554/Streaming/101" });
  });
  it("recognises push and ONVIF cameras", () => {
    expect(formFromCamera({ ...camera, sourceUrl: "rtmp://127.0.0.1:1935/live/cam-7" }).source).toBe("push");
    expect(formFromCamera({ ...camera, onvifUrl: "http://h/onvif" }).source).toBe("onvif");
  });
});

describe("recording policy", () => {
  it("is events with the platform's clip window by default, and sent on create", () => {
    const f = { ...emptyForm("push", 3), name: "n", area: "a" };
    expect(f.recordingPolicy).toBe("events");
    expect(createBody(f)).toMatchObject({ recordingPolicy: "events" });
    expect(createBody(f)).not.toHaveProperty("clipPreSeconds");
    expect(
      createBody({ ...f, recordingPolicy: "continuous", clipPreSeconds: 5, clipPostSeconds: 30 }),
    ).toMatchObject({
      recordingPolicy: "continuous",
      clipPreSeconds: 5,
      clipPostSeconds: 30,
    });
  });
  it("sends only what changed on update, null to go back to the default", () => {
    const c = {
      ...camera,
      recordingPolicy: "working_hours" as const,
      clipPreSeconds: 15,
      clipPostSeconds: null,
    };
    const f = formFromCamera(c);
    expect(f).toMatchObject({ recordingPolicy: "working_hours", clipPreSeconds: 15, clipPostSeconds: null });
    expect(updateBody(f, c)).toEqual({});
    expect(updateBody({ ...f, recordingPolicy: "continuous", clipPreSeconds: null }, c)).toEqual({
      recordingPolicy: "continuous",
      clipPreSeconds: null,
    });
  });
  it("refuses seconds out of range", () => {
    const f = { ...emptyForm("push", 3), name: "n", area: "a" };
    expect(createBody({ ...f, clipPreSeconds: 121 })).toEqual([
      { field: "clipPreSeconds", problem: "range" },
    ]);
    expect(createBody({ ...f, clipPostSeconds: 0 })).toEqual([
      { field: "clipPostSeconds", problem: "range" },
    ]);
  });
});
