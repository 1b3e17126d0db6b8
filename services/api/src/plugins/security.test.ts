/**
 * Hardening: helmet's headers with the console's strict policy on every answer (pages, JSON, errors), no
 * CORS header unless CORS_ORIGINS lists the origin, HSTS only behind HTTPS, and /metrics and /api/docs on
 * the internal listener only when INTERNAL_PORT is set.
 */
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { startInternalListener } from "./security.plugin.js";

const ORIGIN = "https://screen.example.cn";

function expectStrictHeaders(headers: Record<string, unknown>, what: string): void {
  const csp = String(headers["content-security-policy"]);
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toMatch(/script-src 'self'(;|$)/);
  expect(csp, what).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  expect(csp, what).toContain("worker-src 'self' blob:");
  expect(csp, what).toContain("media-src 'self' blob:");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).not.toContain("upgrade-insecure-requests");
  expect(headers["x-frame-options"], what).toBe("DENY");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBe("same-origin");
  expect(headers["cross-origin-opener-policy"], what).toBe("same-origin");
}

describe("by default", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ seed: false });
  });
  afterAll(() => t?.close());

  it("sends the security headers with one CSP on JSON, errors and pages, and no HSTS on http", async () => {
    for (const url of ["/healthz", "/api/me", "/api/nope", "/"]) {
      const res = await t.app.inject({ url });
      expectStrictHeaders(res.headers, url);
      expect(res.headers["strict-transport-security"], url).toBeUndefined();
      expect(String(res.headers["content-security-policy"]).match(/default-src/g), url).toHaveLength(1);
    }
  });

  it("sends no CORS header to any origin, and answers no preflight", async () => {
    const res = await t.app.inject({ url: "/healthz", headers: { origin: ORIGIN } });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    const pre = await t.app.inject({
      method: "OPTIONS",
      url: "/api/auth/login",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(pre.statusCode).not.toBe(204);
    expect(Object.keys(pre.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  it("serves /metrics and /api/docs on PORT (the demo's default)", async () => {
    expect((await t.app.inject({ url: "/metrics" })).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/api/docs/json" })).statusCode).toBe(200);
  });
});

describe("with CORS_ORIGINS, COOKIE_SECURE and INTERNAL_PORT", () => {
  let t: TestApp;
  let publicUrl: string;
  let internalUrl: string;
  let closeInternal: () => Promise<void>;
  beforeAll(async () => {
    t = await buildTestApp({
      seed: false,
      env: {
        CORS_ORIGINS: `${ORIGIN}, http://127.0.0.1:5173`,
        COOKIE_SECURE: "true",
        INTERNAL_PORT: "0",
      },
    });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    publicUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const internal = await startInternalListener(t.app, "127.0.0.1", 0);
    internalUrl = `http://127.0.0.1:${internal.port}`;
    closeInternal = internal.close;
  });
  afterAll(async () => {
    await closeInternal?.();
    await t?.close();
  });

  it("echoes a listed origin with credentials, answers its preflight, and nothing for another", async () => {
    const res = await fetch(`${publicUrl}/healthz`, { headers: { origin: ORIGIN } });
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("vary")).toMatch(/Origin/);
    const pre = await fetch(`${publicUrl}/api/auth/login`, {
      method: "OPTIONS",
      headers: { origin: "http://127.0.0.1:5173", "access-control-request-method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:5173");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    const other = await fetch(`${publicUrl}/healthz`, { headers: { origin: "https://evil.example.com" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("sends HSTS behind HTTPS", async () => {
    const res = await fetch(`${publicUrl}/healthz`);
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    expectStrictHeaders(Object.fromEntries(res.headers), "/healthz");
  });

  it("keeps /metrics and /api/docs to the internal listener", async () => {
    for (const path of ["/metrics", "/api/docs", "/api/docs/json", "/metrics?x=1"]) {
      const res = await fetch(`${publicUrl}${path}`, { redirect: "manual" });
      expect(res.status, path).toBe(404);
      expect((await res.json()).error, path).toBe("not_found");
    }
    const metrics = await fetch(`${internalUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("mingfang_http_request_duration_seconds");
    const docs = await fetch(`${internalUrl}/api/docs/json`);
    expect(docs.status).toBe(200);
    expect((await docs.json()).openapi).toMatch(/^3\./);
    // The rest of the API is the same on both.
    expect((await fetch(`${publicUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${internalUrl}/healthz`)).status).toBe(200);
  });
});
