import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, configReference, loadConfig, publicBaseUrl } from "./config.js";

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.DATA_DIR).toBe("./data");
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.MINGFANG_DEMO_PASSWORD).toBe("mingfang-demo");
  });

  it("converts environment strings to the schema's types", () => {
    const c = loadConfig({ PORT: "9090", COOKIE_SECURE: "true", SESSION_TTL_HOURS: "1.5" });
    expect(c.PORT).toBe(9090);
    expect(c.COOKIE_SECURE).toBe(true);
    expect(c.SESSION_TTL_HOURS).toBe(1.5);
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL"],
    [{ MINGFANG_SECRET: "short" }, "MINGFANG_SECRET"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ MINGFANG_ADMIN_PASSWORD: "1234" }, "MINGFANG_ADMIN_PASSWORD"],
  ])("names the bad key and what was expected: %o", (env, key) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(`${key}: expected`);
  });

  it("never echoes a secret in its error", () => {
    expect(() => loadConfig({ MINGFANG_SECRET: "tiny-secret" })).toThrow(/MINGFANG_SECRET.*got "\*\*\*"/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://u:hunter2@h/db" })).not.toThrow(/hunter2/);
  });

  it("reads an optional JSON file and lets the environment win", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mf-config-"));
    const file = path.join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ PORT: 7000, LOG_LEVEL: "warn" }));
    const c = loadConfig({ MINGFANG_CONFIG: file, LOG_LEVEL: "error" });
    expect(c.PORT).toBe(7000);
    expect(c.LOG_LEVEL).toBe("error");
    writeFileSync(file, JSON.stringify({ PORTT: 1 }));
    expect(() => loadConfig({ MINGFANG_CONFIG: file })).toThrow(/PORTT.*unknown key/);
    expect(() => loadConfig({ MINGFANG_CONFIG: path.join(dir, "missing.json") })).toThrow(/MINGFANG_CONFIG/);
  });

  it("checks PUBLIC_BASE_URL at start and derives one from HOST and PORT when it is unset", () => {
    expect(publicBaseUrl(loadConfig({ PUBLIC_BASE_URL: "https://jiankong.example.cn/mingfang/" }))).toBe(
      "https://jiankong.example.cn/mingfang",
    );
    expect(publicBaseUrl(loadConfig({ PORT: "9000" }))).toBe("http://127.0.0.1:9000");
    // Unset: the origin the console was opened at, when it is a plain origin.
    expect(publicBaseUrl(loadConfig({}), "http://192.168.1.20:8080")).toBe("http://192.168.1.20:8080");
    expect(publicBaseUrl(loadConfig({}), "http://[::1]:8080")).toBe("http://[::1]:8080");
    expect(publicBaseUrl(loadConfig({ PORT: "81" }), "http://a.cn/<x>")).toBe("http://127.0.0.1:81");
    expect(publicBaseUrl(loadConfig({ PUBLIC_BASE_URL: "https://x.cn" }), "http://y.cn")).toBe(
      "https://x.cn",
    );
    expect(publicBaseUrl(loadConfig({ HOST: "192.0.2.7", PORT: "80" }))).toBe("http://192.0.2.7:80");
    expect(publicBaseUrl(loadConfig({ HOST: "::1", PORT: "81" }))).toBe("http://[::1]:81");
    expect(() => loadConfig({ PUBLIC_BASE_URL: "ftp://x.cn" })).toThrow(/PUBLIC_BASE_URL/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: "http://" })).toThrow(/PUBLIC_BASE_URL: expected an absolute/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: "https://x.cn/?a=1" })).toThrow(/query or a fragment/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: "https://u:p@x.cn" })).toThrow(/user name or password/);
  });

  it("reads the secret settings from <KEY>_FILE, without the final newline", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mf-config-"));
    const secret = path.join(dir, "secret");
    writeFileSync(secret, `${"s".repeat(40)}\n`);
    const pw = path.join(dir, "pw");
    writeFileSync(pw, "p@ss word:/?\r\n");
    const hook = path.join(dir, "hook");
    writeFileSync(hook, "h".repeat(20));
    const c = loadConfig({
      MINGFANG_SECRET_FILE: secret,
      OUTBOUND_WEBHOOK_SECRET_FILE: hook,
      DATABASE_URL: "postgres://mingfang@db:5432/mingfang",
      DATABASE_PASSWORD_FILE: pw,
    });
    expect(c.MINGFANG_SECRET).toBe("s".repeat(40));
    expect(c.OUTBOUND_WEBHOOK_SECRET).toBe("h".repeat(20));
    const url = new URL(c.DATABASE_URL ?? "");
    expect(decodeURIComponent(url.password)).toBe("p@ss word:/?");
    expect(url.username).toBe("mingfang");
    expect(url.host).toBe("db:5432");
    // The whole URL from a file, too.
    writeFileSync(pw, "postgres://u:x@h/db\n");
    expect(loadConfig({ DATABASE_URL_FILE: pw }).DATABASE_URL).toBe("postgres://u:x@h/db");
  });

  it("refuses a missing or empty secret file and a setting given twice, naming the setting", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mf-config-"));
    const missing = path.join(dir, "nope");
    expect(() => loadConfig({ MINGFANG_SECRET_FILE: missing })).toThrow(
      /MINGFANG_SECRET_FILE: cannot read .*nope \(ENOENT\)/,
    );
    const empty = path.join(dir, "empty");
    writeFileSync(empty, "\n");
    expect(() => loadConfig({ MINGFANG_ADMIN_PASSWORD_FILE: empty })).toThrow(
      /MINGFANG_ADMIN_PASSWORD_FILE: .* is empty/,
    );
    const file = path.join(dir, "secret");
    writeFileSync(file, "hunter2-hunter2-hunter2-hunter2-hunter2");
    expect(() => loadConfig({ MINGFANG_SECRET_FILE: file, MINGFANG_SECRET: "x".repeat(32) })).toThrow(
      /MINGFANG_SECRET_FILE: MINGFANG_SECRET is set too/,
    );
    // A bad value read from a file is checked like one from the environment, and never echoed.
    writeFileSync(file, "hunter2");
    expect(() => loadConfig({ MINGFANG_SECRET_FILE: file })).toThrow(/MINGFANG_SECRET: expected.*"\*\*\*"/);
    expect(() => loadConfig({ MINGFANG_SECRET_FILE: file })).not.toThrow(/hunter2/);
    expect(() => loadConfig({ DATABASE_PASSWORD: "pw" })).toThrow(/DATABASE_PASSWORD: DATABASE_URL is unset/);
    expect(() => loadConfig({ DATABASE_PASSWORD: "pw", DATABASE_URL: "postgres://u:p@h/db" })).toThrow(
      /DATABASE_URL carries a password already/,
    );
  });

  it("accepts CORS_ORIGINS as a list of origins only", () => {
    expect(loadConfig({ CORS_ORIGINS: "https://a.cn, http://b.cn:8080" }).CORS_ORIGINS).toBe(
      "https://a.cn, http://b.cn:8080",
    );
    for (const bad of ["*", "https://a.cn/path", "a.cn", "https://a.cn,"])
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS: expected/);
  });

  it("documents every key", () => {
    for (const row of configReference()) expect(row.description.length).toBeGreaterThan(10);
  });
});

describe("README", () => {
  it("documents every configuration key in its table", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    for (const row of configReference()) expect(readme).toContain(`| \`${row.key}\` |`);
  });
});
