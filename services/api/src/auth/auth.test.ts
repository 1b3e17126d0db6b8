import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_PASSWORD,
  buildTestApp,
  DEMO_PASSWORD,
  type TestApp,
} from "../../../../test/support/harness.js";

describe("sign-in, sessions and limits", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { LOGIN_MAX_FAILURES_PER_USER: "3", LOGIN_MAX_FAILURES_PER_IP: "8" } });
  });
  afterAll(() => t.close());

  const login = (username: string, password: string, ip = "127.0.0.1") =>
    t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { username, password },
      remoteAddress: ip,
    });

  it("signs in, sets an httpOnly SameSite=Strict cookie, and /api/me answers", async () => {
    const res = await login("mingshui.duty", DEMO_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: "mingshui.duty", role: "duty_officer" });
    const setCookie = String(res.headers["set-cookie"]);
    expect(setCookie).toMatch(/mingfang_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = `mingfang_session=${res.cookies[0]!.value}`;
    const me = await t.app.inject({ url: "/api/me", headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().username).toBe("mingshui.duty");
    expect(me.body).not.toContain("password");
  });

  it("answers a wrong password, an unknown user and a disabled user the same way", async () => {
    const a = await login("shuangshan.staff", "wrong-password", "10.9.0.1");
    const b = await login("nobody-here", "wrong-password", "10.9.0.2");
    await t.db.updateTable("users").set({ disabled: true }).where("username", "=", "bucun.staff").execute();
    const c = await login("bucun.staff", DEMO_PASSWORD, "10.9.0.3");
    for (const r of [a, b, c]) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ error: "invalid_credentials", message: "Invalid username or password" });
    }
  });

  it("locks a user name after too many failures (429), whatever the address", async () => {
    for (let i = 0; i < 3; i++)
      expect((await login("puji.staff", "nope-nope", `10.1.0.${i}`)).statusCode).toBe(401);
    const locked = await login("puji.staff", DEMO_PASSWORD, "10.1.0.99");
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error).toBe("too_many_attempts");
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
    // Another user is not affected.
    expect((await login("puji.duty", DEMO_PASSWORD, "10.1.0.98")).statusCode).toBe(200);
  });

  it("locks an address that tries many names", async () => {
    for (let i = 0; i < 8; i++) await login(`guess${i}`, "nope-nope", "10.2.0.1");
    expect((await login("admin", ADMIN_PASSWORD, "10.2.0.1")).statusCode).toBe(429);
    expect((await login("admin", ADMIN_PASSWORD, "10.2.0.2")).statusCode).toBe(200);
  });

  it("signs out: the cookie no longer works", async () => {
    const cookie = await t.login("zaoyuan.duty");
    expect((await t.app.inject({ url: "/api/me", headers: { cookie } })).statusCode).toBe(200);
    const out = await t.app.inject({ method: "POST", url: "/api/auth/logout", headers: { cookie } });
    expect(out.statusCode).toBe(204);
    const me = await t.app.inject({ url: "/api/me", headers: { cookie } });
    expect(me.statusCode).toBe(401);
    expect(me.json().error).toBe("unauthorized");
  });

  it("expires sessions (absolute and idle)", async () => {
    const cookie = await t.login("wenzu.duty");
    await t.db
      .updateTable("sessions")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    expect((await t.app.inject({ url: "/api/me", headers: { cookie } })).statusCode).toBe(401);
    const cookie2 = await t.login("caofan.duty");
    await t.db
      .updateTable("sessions")
      .set({ last_seen_at: new Date(Date.now() - (t.config.SESSION_IDLE_MINUTES + 1) * 60_000) })
      .execute();
    expect((await t.app.inject({ url: "/api/me", headers: { cookie: cookie2 } })).statusCode).toBe(401);
  });

  it("changes one's own password and ends the other sessions", async () => {
    const first = await t.login("huanghe.duty");
    const second = await t.login("huanghe.duty");
    const bad = await t.app.inject({
      method: "POST",
      url: "/api/me/password",
      headers: { cookie: first },
      payload: { currentPassword: "not-it", newPassword: "brand-new-password" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe("currentPassword");
    const ok = await t.app.inject({
      method: "POST",
      url: "/api/me/password",
      headers: { cookie: first },
      payload: { currentPassword: DEMO_PASSWORD, newPassword: "brand-new-password" },
    });
    expect(ok.statusCode).toBe(204);
    expect((await t.app.inject({ url: "/api/me", headers: { cookie: second } })).statusCode).toBe(401);
    expect((await login("huanghe.duty", "brand-new-password", "10.3.0.1")).statusCode).toBe(200);
  });

  it("writes sign-ins, failures and sign-outs to the audit log", async () => {
    const rows = await t.db.selectFrom("audit_log").select(["action", "actor_username", "ip"]).execute();
    const actions = new Set(rows.map((r) => r.action));
    for (const a of [
      "auth.login",
      "auth.login_failed",
      "auth.login_locked",
      "auth.logout",
      "user.password_changed",
    ]) {
      expect(actions).toContain(a);
    }
    expect(rows.find((r) => r.action === "auth.login_failed")?.ip).toMatch(/^10\./);
  });

  it("requires a session on every API route", async () => {
    for (const url of ["/api/me", "/api/stations", "/api/workshops", "/api/cameras", "/api/users"]) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(401);
    }
  });

  it("serves health, readiness, metrics and the OpenAPI document", async () => {
    expect((await t.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await t.app.inject({ url: "/readyz" })).json()).toEqual({
      status: "ok",
      database: true,
      redis: true,
    });
    const m = await t.app.inject({ url: "/metrics" });
    expect(m.body).toContain("mingfang_http_request_duration_seconds");
    const doc = await t.app.inject({ url: "/api/docs/json" });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    for (const p of [
      "/api/auth/login",
      "/api/workshops/{id}",
      "/api/cameras",
      "/api/users",
      "/api/stations",
    ]) {
      expect(paths).toContain(p);
    }
  });
});
