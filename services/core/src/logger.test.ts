import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, maskQuerySecrets, maskUserInfo } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      lines.push(String(c));
      cb();
    },
  });
  return { lines, log: createLogger({ level: "debug" }, sink) };
}

describe("logger", () => {
  it("masks credentials in messages, fields and errors", () => {
    const { lines, log } = capture();
    log.info("ffmpeg: connecting to rtsp://admin:hunter2@10.0.0.5/ch1");
    log.info(
      { camera: { sourceUrl: "rtsp://admin:hunter2@10.0.0.5/ch1", onvifPassword: "hunter2" } },
      "camera",
    );
    log.error({ err: new Error("401 from rtsp://root:hunter2@cam/") }, "failed");
    log.info({ body: { password: "hunter2" } }, "login");
    const all = lines.join("");
    expect(all).not.toContain("hunter2");
    expect(all).toContain("rtsp://***@10.0.0.5/ch1");
    expect(lines).toHaveLength(4);
  });

  it("maskUserInfo leaves URLs without user info alone", () => {
    expect(maskUserInfo("see http://host/path and rtsp://u:p@h/x")).toBe(
      "see http://host/path and rtsp://***@h/x",
    );
  });

  it("masks the signed tokens and keys of a logged request's URL", () => {
    expect(maskQuerySecrets("/media/clips/a.mp4?token=1796.abcdef&download=1")).toBe(
      "/media/clips/a.mp4?token=***&download=1",
    );
    expect(maskQuerySecrets("/live/cam-1?KEY=x#y")).toBe("/live/cam-1?KEY=***#y");
    expect(maskQuerySecrets("/api/alerts?page=2")).toBe("/api/alerts?page=2");
    const { lines, log } = capture();
    log.info(
      { req: { method: "GET", url: "/media/rec/1/index.m3u8?uid=3&token=9.secret", ip: "127.0.0.1" } },
      "in",
    );
    expect(lines.join("")).not.toContain("secret");
    expect(lines.join("")).toContain("token=***");
  });
});
