import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

describe("the console served at /", () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "mf-console-"));
    mkdirSync(path.join(dir, "assets"));
    writeFileSync(path.join(dir, "index.html"), '<!doctype html><div id="app"></div>');
    writeFileSync(path.join(dir, "assets", "index-Ab12Cd.js"), "console.log(1)");
    writeFileSync(path.join(dir, "favicon.svg"), "<svg/>");
    writeFileSync(path.join(dir, "public.html"), '<!doctype html><div id="public-app"></div>');
    t = await buildTestApp({ env: { CONSOLE_DIR: dir }, seed: false });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers / with the page, never cached, under a strict CSP", async () => {
    const res = await t.app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.body).toContain('<div id="app">');
    expect(res.headers["cache-control"]).toBe("no-cache");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("answers the router's paths with the page (history mode)", async () => {
    for (const url of ["/live", "/alerts/3e0f5b1c-1111-4a4a-9b9b-123456789abc", "/cameras/3/zones?x=1"]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain('<div id="app">');
      expect(res.headers["content-security-policy"]).toBeDefined();
    }
  });

  it("answers /public and /public/sites/:id with the public pages' entry, under the same CSP", async () => {
    for (const url of ["/public", "/public/sites/12", "/public/sites/12?from=qr"]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain('<div id="public-app">');
      expect(res.body).not.toContain('<div id="app">');
      expect(String(res.headers["content-security-policy"])).toContain("script-src 'self'");
      expect(res.headers["cache-control"]).toBe("no-cache");
    }
    for (const url of ["/public/sites/abc", "/public/sites", "/public/sites/1/x"]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error, url).toBe("not_found");
    }
  });

  it("caches hashed assets for a year", async () => {
    const res = await t.app.inject({ url: "/assets/index-Ab12Cd.js" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await t.app.inject({ url: "/favicon.svg" })).headers["cache-control"]).toBe("no-cache");
  });

  it("keeps server paths and missing files as JSON 404s", async () => {
    for (const url of ["/api/nope", "/media/x", "/public/nope/x", "/assets/missing-1234.js", "/nope.png"]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error, url).toBe("not_found");
    }
  });
});

describe("without a built console", () => {
  it("says how to build it", async () => {
    const t = await buildTestApp({ env: { CONSOLE_DIR: "/nonexistent/console" }, seed: false });
    try {
      const res = await t.app.inject({ url: "/" });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain("npm run build -w console");
    } finally {
      await t.close();
    }
  });
});
