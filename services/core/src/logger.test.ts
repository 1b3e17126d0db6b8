import { spawnSync } from "node:child_process";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { createLogger, maskQuerySecrets, maskUserInfo, resolveLogFormat } from "./logger.js";

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

/** A process that logs as the CLI does (LOG_FORMAT from the configuration), its standard output a pipe. */
function logFromProcess(env: Record<string, string>): string {
  const dist = pathToFileURL(
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js"),
  ).href;
  const script = `
    const { createLogger, loadConfig } = await import(${JSON.stringify(dist)});
    const cfg = loadConfig();
    const log = createLogger({ level: cfg.LOG_LEVEL, format: cfg.LOG_FORMAT });
    log.info({ camera: { id: 7, sourceUrl: "rtsp://admin:hunter2@10.0.0.5/ch1" }, password: "hunter2" }, "camera added");
    log.warn("ffmpeg: 401 from rtsp://root:hunter2@cam/ch1");
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
    timeout: 60_000,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("LOG_FORMAT", { timeout: 90_000 }, () => {
  it("json: one JSON object per line, secrets redacted", () => {
    const out = logFromProcess({ LOG_FORMAT: "json" });
    const lines = out.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 30, msg: "camera added", password: "***" });
    expect(first).toMatchObject({ camera: { id: 7, sourceUrl: "***" } });
    expect(second).toMatchObject({ level: 40, msg: "ffmpeg: 401 from rtsp://***@cam/ch1" });
    expect(out).not.toContain("hunter2");
  });

  it("auto is json when standard output is not a terminal (production, a pipe)", () => {
    const out = logFromProcess({});
    for (const l of out.trimEnd().split("\n")) expect(() => JSON.parse(l)).not.toThrow();
    expect(resolveLogFormat("auto", true, undefined)).toBe("pretty");
    expect(resolveLogFormat("auto", true, "production")).toBe("json");
    expect(resolveLogFormat("auto", false, undefined)).toBe("json");
    expect(resolveLogFormat("json", true, undefined)).toBe("json");
  });

  it("pretty: human lines, the same redactions", () => {
    const out = logFromProcess({ LOG_FORMAT: "pretty" });
    expect(out).toMatch(/INFO.*camera added/);
    expect(out).toMatch(/WARN.*ffmpeg: 401 from rtsp:\/\/\*\*\*@cam\/ch1/);
    expect(out).toMatch(/"sourceUrl": "\*\*\*"/);
    expect(out).not.toContain("hunter2");
    expect(() => JSON.parse(out.split("\n")[0] ?? "")).toThrow();
  });

  it("pretty to a stream given (in-process), redacted", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(c, _e, cb) {
        lines.push(String(c));
        cb();
      },
    });
    const log = createLogger({ level: "info", format: "pretty" }, sink);
    log.info({ onvifPassword: "hunter2" }, "probe rtsp://u:hunter2@h/x");
    const all = lines.join("");
    expect(all).toMatch(/INFO.*probe rtsp:\/\/\*\*\*@h\/x/);
    expect(all).not.toContain("hunter2");
  });
});
