/**
 * Camera credentials never leave the server and never reach a log line: not in any response, for any
 * role, not in the audit log, not in the logs (debug level, request logs included); only the masked
 * URL and `hasOnvifPassword` are shown. And a 500 is a bare `{error, message, requestId}`.
 */
import { decrypt } from "@mingfang/core";
import type { LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

const PASSWORD = "Sup3r-Secret-pw";
const ONVIF_PASSWORD = "0nvif-Secret";
const SOURCE_URL = `rtsp://admin:${PASSWORD}@192.0.2.10:554/Streaming/Channels/101`;
const MASKED = "rtsp://***@192.0.2.10:554/Streaming/Channels/101";
const SUB_URL = `rtsp://admin:${PASSWORD}@192.0.2.10:554/Streaming/Channels/102`;
const SUB_MASKED = "rtsp://***@192.0.2.10:554/Streaming/Channels/102";
/** Credentials in the query string rather than the user info. */
const QUERY_PASSWORD = "Qu3ry-Secret-token";
const QUERY_URL = `rtsp://192.0.2.11:554/live?user=cam-operator-7&password=${QUERY_PASSWORD}`;
const QUERY_MASKED = "rtsp://192.0.2.11:554/live?user=***&password=***";

const SECRETS = [PASSWORD, ONVIF_PASSWORD, QUERY_PASSWORD, "cam-operator-7", encodeURIComponent(PASSWORD)];

/** Every response seen, with what produced it. */
const seen: { label: string; res: LightMyRequestResponse }[] = [];

function expectClean(text: string, label: string, extra: string[] = []): void {
  for (const s of [...SECRETS, ...extra]) expect(text, `${label} contains '${s}'`).not.toContain(s);
}

function expectAllResponsesClean(extra: string[] = []): void {
  expect(seen.length).toBeGreaterThan(0);
  for (const { label, res } of seen) {
    expectClean(res.body, label, extra);
    expectClean(JSON.stringify(res.headers), `${label} (headers)`, extra);
  }
}

describe("camera credentials", () => {
  let t: TestApp;
  let cookies: Record<string, string>;
  let workshopId: number;
  let cameraId: number;
  /** A seeded camera whose URL is replaced by one with credentials in the query string. */
  let patchedId: number;

  /** Every sealed credential in the database now. */
  async function sealedValues(): Promise<string[]> {
    const rows = await t.db
      .selectFrom("cameras")
      .select(["source_url_enc", "sub_url_enc", "onvif_password_enc"])
      .execute();
    return rows
      .flatMap((r) => [r.source_url_enc, r.sub_url_enc, r.onvif_password_enc])
      .filter((v): v is string => !!v);
  }

  async function call(
    label: string,
    role: string,
    method: "GET" | "POST" | "PATCH" | "DELETE",
    url: string,
    payload?: unknown,
    raw?: string,
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { cookie: cookies[role]! };
    if (payload !== undefined || raw !== undefined) headers["content-type"] = "application/json";
    const res = await t.app.inject({
      method,
      url,
      headers,
      payload: raw ?? (payload === undefined ? undefined : JSON.stringify(payload)),
    });
    seen.push({ label: `${role} ${method} ${url} ${label}`, res });
    return res;
  }

  beforeAll(async () => {
    t = await buildTestApp();
    const station = await t.stationId("mingshui");
    cookies = {};
    for (const role of ["admin", "mingshui.staff", "mingshui.duty", "brigade", "bucun.staff"]) {
      cookies[role] = await t.login(role);
    }
    const w = await t.db
      .selectFrom("workshops")
      .select("id")
      .where("station_id", "=", station)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    workshopId = w.id;

    const created = await call("create", "admin", "POST", "/api/cameras", {
      workshopId,
      name: "Credentials test camera",
      area: "kitchen",
      sourceUrl: SOURCE_URL,
      subUrl: SUB_URL,
      onvifUrl: "http://192.0.2.10/onvif/device_service",
      onvifUsername: "admin",
      onvifPassword: ONVIF_PASSWORD,
    });
    expect(created.statusCode, created.body).toBe(201);
    cameraId = created.json().id;

    const seeded = await t.db
      .selectFrom("cameras")
      .select("id")
      .where("workshop_id", "=", workshopId)
      .where("id", "!=", cameraId)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    patchedId = seeded.id;
    const patched = await call("patch (query credentials)", "admin", "PATCH", `/api/cameras/${patchedId}`, {
      sourceUrl: QUERY_URL,
      onvifPassword: ONVIF_PASSWORD,
    });
    expect(patched.statusCode, patched.body).toBe(200);
  });
  afterAll(() => t?.close());

  it("shows the masked URL and hasOnvifPassword, never the secret", async () => {
    const created = seen[0]!.res.json();
    expect(created.sourceUrl).toBe(MASKED);
    expect(created.subUrl).toBe(SUB_MASKED);
    expect(created.hasOnvifPassword).toBe(true);
    expect(created.onvifUsername).toBe("admin");
    expect(created).not.toHaveProperty("onvifPassword");
    expect(created).not.toHaveProperty("sourceUrlEnc");
    expect(seen[1]!.res.json().sourceUrl).toBe(QUERY_MASKED);
    for (const role of ["admin", "mingshui.staff", "mingshui.duty", "brigade"]) {
      const one = await call("read", role, "GET", `/api/cameras/${cameraId}`);
      expect(one.statusCode, `${role}: ${one.body}`).toBe(200);
      expect(one.json()).toMatchObject({ sourceUrl: MASKED, subUrl: SUB_MASKED, hasOnvifPassword: true });
      const other = await call("read", role, "GET", `/api/cameras/${patchedId}`);
      expect(other.json()).toMatchObject({ sourceUrl: QUERY_MASKED, hasOnvifPassword: true });
    }
  });

  it("walks every response each role can get, and none holds a secret", async () => {
    for (const role of ["admin", "mingshui.staff", "mingshui.duty", "brigade", "bucun.staff"]) {
      await call("list", role, "GET", "/api/cameras?pageSize=200");
      await call("list", role, "GET", `/api/cameras?workshopId=${workshopId}`);
      await call("list", role, "GET", "/api/cameras?area=kitchen");
      await call("list", role, "GET", "/api/workshops?pageSize=200");
      await call("read", role, "GET", `/api/workshops/${workshopId}`);
      await call("read", role, "GET", `/api/cameras/${cameraId}`);
      await call("status", role, "GET", `/api/cameras/${cameraId}/status`);
      await call("live", role, "GET", `/api/cameras/${cameraId}/live`);
      await call("read", role, "GET", "/api/me");
      await call("read", role, "GET", "/api/stations");
      await call("docs", role, "GET", "/api/docs/json");
      await call("metrics", role, "GET", "/metrics");
      // Whatever the role may or may not do: the answer must not echo anything secret.
      await call("rename", role, "PATCH", `/api/cameras/${cameraId}`, { name: `renamed by ${role}` });
      await call("re-send the URL", role, "PATCH", `/api/cameras/${cameraId}`, {
        sourceUrl: SOURCE_URL,
        subUrl: SUB_URL,
        onvifPassword: ONVIF_PASSWORD,
      });
      // Bad PATCHes carrying the secret: wrong scheme, bad port, unknown field, wrong type, malformed JSON.
      for (const [label, body] of [
        ["bad scheme", { sourceUrl: SOURCE_URL.replace("rtsp:", "ftp:") }],
        ["bad port", { sourceUrl: SOURCE_URL.replace(":554", ":99999") }],
        ["bad sub-stream scheme", { subUrl: SUB_URL.replace("rtsp:", "ftp:") }],
        ["unknown field", { sourceUrl: SOURCE_URL, password: PASSWORD }],
        ["wrong type", { sourceUrl: SOURCE_URL, onvifPassword: 42 }],
        ["long password", { onvifPassword: `${ONVIF_PASSWORD}${"x".repeat(200)}` }],
        ["with a space", { sourceUrl: `${SOURCE_URL} x` }],
      ] as [string, unknown][]) {
        const res = await call(label, role, "PATCH", `/api/cameras/${cameraId}`, body);
        expect(res.statusCode, `${role} ${label}: ${res.body}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
      }
      const raw = `{"sourceUrl": "${SOURCE_URL}", "onvifPassword": "${ONVIF_PASSWORD}" oops}`;
      const bad = await call("malformed JSON", role, "PATCH", `/api/cameras/${cameraId}`, undefined, raw);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toBe("invalid_json");
      const truncated = raw.slice(0, raw.indexOf(PASSWORD) + PASSWORD.length);
      const bad2 = await call(
        "truncated JSON",
        role,
        "PATCH",
        `/api/cameras/${cameraId}`,
        undefined,
        truncated,
      );
      expect(bad2.statusCode).toBe(400);
      await call("create under the workshop", role, "POST", "/api/cameras", {
        workshopId,
        name: `another by ${role}`,
        area: "storage",
        sourceUrl: SOURCE_URL,
        onvifPassword: ONVIF_PASSWORD,
      });
    }
    // The camera now reads as a station member sees it: still masked.
    const after = await call("read after", "mingshui.staff", "GET", `/api/cameras/${cameraId}`);
    expect(after.json()).toMatchObject({ sourceUrl: MASKED, hasOnvifPassword: true });
    // Neither the plaintext nor the sealed values leave the server.
    const sealed = await sealedValues();
    expect(sealed.length).toBeGreaterThan(80);
    expectAllResponsesClean(sealed);
  });

  it("stores the URL and password sealed: no plaintext in the row, and they decrypt with the key", async () => {
    const r = await t.db
      .selectFrom("cameras")
      .selectAll()
      .where("id", "=", cameraId)
      .executeTakeFirstOrThrow();
    expect(r.source_url_enc).toBeTruthy();
    expect(r.onvif_password_enc).toBeTruthy();
    expectClean(JSON.stringify(r), "camera row");
    expect(r.source_url_masked).toBe(MASKED);
    expect(decrypt(t.keyring.credentials, r.source_url_enc!)).toBe(SOURCE_URL);
    expect(r.sub_url_masked).toBe(SUB_MASKED);
    expect(decrypt(t.keyring.credentials, r.sub_url_enc!)).toBe(SUB_URL);
    expect(decrypt(t.keyring.credentials, r.onvif_password_enc!, "onvif")).toBe(ONVIF_PASSWORD);
    // The purpose is bound: the sealed URL is not a valid sealed ONVIF password.
    expect(() => decrypt(t.keyring.credentials, r.source_url_enc!, "onvif")).toThrow();
    const q = await t.db
      .selectFrom("cameras")
      .selectAll()
      .where("id", "=", patchedId)
      .executeTakeFirstOrThrow();
    expectClean(JSON.stringify(q), "patched camera row");
    expect(decrypt(t.keyring.credentials, q.source_url_enc!)).toBe(QUERY_URL);
  });

  it("keeps the secrets out of the audit log", async () => {
    const mine = await t.db
      .selectFrom("audit_log")
      .selectAll()
      .where("target_type", "=", "camera")
      .where("target_id", "in", [String(cameraId), String(patchedId)])
      .execute();
    expect(mine.map((r) => r.action)).toEqual(expect.arrayContaining(["camera.create", "camera.update"]));
    const all = await t.db.selectFrom("audit_log").selectAll().execute();
    expectClean(JSON.stringify(all), "audit_log", await sealedValues());
  });

  it("keeps the secrets out of every log line (debug level, request logs included)", async () => {
    const sealed = await sealedValues();
    expect(t.logs.length).toBeGreaterThan(seen.length);
    // The request logs are there: the test would be empty without them.
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === "incoming request")).toBe(true);
    expect(lines.some((l) => l.msg === "request completed")).toBe(true);
    expect(t.logs.some((l) => l.includes(`/api/cameras/${cameraId}`))).toBe(true);
    for (const [i, line] of t.logs.entries()) expectClean(line, `log line ${i}`, sealed);
  });
});

describe("a 500", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t?.close());

  function expectBare500(res: LightMyRequestResponse): string {
    expect(res.statusCode, res.body).toBe(500);
    const body = res.json();
    expect(body).toEqual({
      error: "internal",
      message: "Internal server error",
      requestId: expect.any(String),
    });
    expect(res.body).not.toMatch(/\bat .+[:(]\d+|\.ts\b|\.js\b|node_modules|stack|relation|column|pglite/i);
    // The log has the request id, with the error (credentials masked).
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = lines.find((l) => l.reqId === body.requestId && l.msg === "request failed");
    expect(failed, `no 'request failed' line for ${body.requestId}`).toBeDefined();
    expect(failed!.level).toBe(50);
    expect(failed!.err).toMatchObject({ message: expect.any(String) });
    return body.requestId;
  }

  it("is {error, message, requestId}, without a stack trace, and the log has the request id", async () => {
    const cookie = await t.login("admin");
    const station = await t.stationId("mingshui");
    const workshop = await t.db
      .selectFrom("workshops")
      .select("id")
      .where("station_id", "=", station)
      .executeTakeFirstOrThrow();

    // A broken table: the write fails in the database, carrying the camera's secret in its request.
    await sql`alter table cameras rename column source_url_masked to source_url_shown`.execute(t.db);
    const res = await t.app.inject({
      method: "POST",
      url: "/api/cameras",
      headers: { cookie },
      payload: {
        workshopId: workshop.id,
        name: "doomed",
        area: "kitchen",
        sourceUrl: SOURCE_URL,
        onvifPassword: ONVIF_PASSWORD,
      },
    });
    const id1 = expectBare500(res);
    expectClean(res.body, "500 body");

    // The database gone: even the session lookup fails.
    await t.db.destroy();
    const res2 = await t.app.inject({ url: "/api/cameras", headers: { cookie } });
    const id2 = expectBare500(res2);
    expect(id2).not.toBe(id1);
    const res3 = await t.app.inject({
      method: "PATCH",
      url: "/api/cameras/1",
      headers: { cookie },
      payload: { sourceUrl: SOURCE_URL },
    });
    expectBare500(res3);

    for (const [i, line] of t.logs.entries()) expectClean(line, `log line ${i}`);
  });
});
