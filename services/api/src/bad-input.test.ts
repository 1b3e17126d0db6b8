/**
 * The API's contract for bad input: malformed bodies, wrong types, unknown fields, oversized strings and
 * bad ids are a 400 naming the field; another station's resource is a 404 exactly like a missing one.
 * Property-based (fast-check) on a few routes, then hand-written cases.
 */
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../test/support/harness.js";

type Json = unknown;
type Method = "GET" | "POST" | "PATCH" | "DELETE";

const RUNS = { numRuns: 60 };
const TABLES = ["stations", "workshops", "cameras", "users", "sessions", "audit_log"] as const;

let t: TestApp;
let admin: string;
let staff: string; // mingshui.staff
let duty: string; // mingshui.duty
let ownStation: number;
let ownWorkshop: number;
let otherWorkshop: number;
let ownCamera: number;
let otherCamera: number;
/** A camera made for the property tests (patched freely). */
let fuzzCamera: number;
let seq = 0;

beforeAll(async () => {
  t = await buildTestApp();
  [admin, staff, duty] = await Promise.all([
    t.login("admin"),
    t.login("mingshui.staff"),
    t.login("mingshui.duty"),
  ]);
  ownStation = await t.stationId("mingshui");
  const ws = await t.db.selectFrom("workshops").select(["id", "station_id"]).orderBy("id").execute();
  ownWorkshop = ws.find((w) => w.station_id === ownStation)!.id;
  otherWorkshop = ws.find((w) => w.station_id !== ownStation)!.id;
  const cams = await t.db
    .selectFrom("cameras as c")
    .innerJoin("workshops as w", "w.id", "c.workshop_id")
    .select(["c.id", "w.station_id"])
    .orderBy("c.id")
    .execute();
  ownCamera = cams.find((c) => c.station_id === ownStation)!.id;
  otherCamera = cams.find((c) => c.station_id !== ownStation)!.id;
  const res = await send("POST", "/api/cameras", admin, {
    workshopId: ownWorkshop,
    name: "fuzz camera",
    area: "kitchen",
    sourceUrl: "rtsp://192.0.2.50:554/fuzz",
  });
  expect(res.statusCode).toBe(201);
  fuzzCamera = res.json().id;
});
afterAll(() => t?.close());

// ---- helpers ----

function send(
  method: Method,
  url: string,
  cookie: string | undefined,
  body?: Json,
  extra: { raw?: string; contentType?: string; ip?: string } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  let payload: string | undefined;
  if (extra.raw !== undefined) payload = extra.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers["content-type"] = extra.contentType ?? "application/json";
  return t.app.inject({ method, url, headers, payload, remoteAddress: extra.ip ?? "127.0.0.1" });
}

async function counts(): Promise<Record<(typeof TABLES)[number], number>> {
  const out = {} as Record<(typeof TABLES)[number], number>;
  for (const table of TABLES) {
    const r = await t.db
      .selectFrom(table)
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

async function row(table: "workshops" | "cameras" | "users", id: number): Promise<unknown> {
  return t.db.selectFrom(table).selectAll().where("id", "=", id).executeTakeFirst();
}

interface ErrorJson {
  error: string;
  message: string;
  field?: string;
  requestId?: string;
}

/** Never a 5xx; an error is `{error, message}` of strings; a 400 is a validation or JSON failure. */
function checkShape(res: LightMyRequestResponse): ErrorJson | undefined {
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (res.statusCode < 400) return undefined;
  const body = res.json() as ErrorJson;
  expect(typeof body.error, res.body).toBe("string");
  expect(typeof body.message, res.body).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  if (body.field !== undefined) expect(typeof body.field).toBe("string");
  if (res.statusCode === 400) {
    expect(["validation_failed", "invalid_json"], res.body).toContain(body.error);
    if (body.error === "validation_failed") expect(body.field, res.body).toBeTruthy();
  }
  return body;
}

/** Expect a 400 `validation_failed` naming `field`. */
function expect400(res: LightMyRequestResponse, field: string): ErrorJson {
  expect(res.statusCode, res.body).toBe(400);
  const body = checkShape(res)!;
  expect(body.error).toBe("validation_failed");
  expect(body.field).toBe(field);
  expect(body.message).toContain(field);
  return body;
}

/** Does `field` name `key` or one of its sub-fields (`workingHours.start`)? Keys may hold dots themselves. */
const names = (field: string | undefined, key: string) =>
  field !== undefined && (field === key || field.startsWith(`${key}.`));

/** Any JSON value; strings sometimes arbitrary UTF-16 (NUL, lone surrogates, …). */
const anyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 2, stringUnit: "binary" }),
);

/** A value for a mutated field: any JSON, plus the awkward strings a form can send. */
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  anyJson,
  fc.constantFrom("", " ", "\u0000", "x\u0000y", "a".repeat(10_000), "1", "true", "null", "high"),
  fc.integer({ min: -3, max: 100_001 }),
  fc.double(),
);

/** A mutation of one field: delete it, or set it (or a new field) to any value. */
function mutation(keys: readonly string[]) {
  return fc.record({
    key: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...keys) },
      fc.string({ minLength: 1, maxLength: 12 }),
    ),
    value: fc.oneof({ weight: 5, arbitrary: anyValue }, fc.constant(DELETE)),
  });
}
const DELETE = Symbol("delete");

function mutate(base: Record<string, Json>, key: string, value: Json | typeof DELETE): Record<string, Json> {
  const out: Record<string, Json> = { ...base };
  if (value === DELETE) delete out[key];
  // A computed key is an own property even for "__proto__".
  else Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A 400 after a one-field mutation must name that field (or its sub-field). */
function checkMutationRejection(
  res: LightMyRequestResponse,
  key: string,
  alsoAllowed: string[] = [],
  sent?: unknown,
): void {
  const body = checkShape(res);
  if (!body || res.statusCode !== 400) return;
  if (body.error === "invalid_json") {
    // Only a prototype-polluting key makes the JSON parser itself refuse an otherwise valid text: the
    // mutated key, or a key inside the mutated value (`{"stationId":{"__proto__":null}}`).
    const text = JSON.stringify(sent ?? {});
    expect(
      ["__proto__", "constructor"].includes(key) || /"(__proto__|constructor)":/.test(text),
      `${key}: ${text}`,
    ).toBe(true);
    return;
  }
  expect(
    [key, ...alsoAllowed].some((k) => names(body.field, k)),
    `${res.body} should name '${key}'`,
  ).toBe(true);
}

function validWorkshop(): Record<string, Json> {
  seq++;
  return {
    stationId: ownStation,
    name: `Fuzz workshop ${seq}`,
    licenceNo: `FUZZ-${process.pid}-${seq}`,
    address: "Mingshui, Zhangqiu",
    category: "baked goods",
    riskLevel: "medium",
    coldChain: false,
    demoSite: false,
    pilot: true,
    operatorName: "Wang",
    phone: "0531-8321 0000",
    employees: 4,
    workingHours: { start: "06:00", end: "18:30" },
  };
}
const WORKSHOP_KEYS = Object.keys(validWorkshop());

function validUser(): Record<string, Json> {
  seq++;
  return {
    username: `fuzz.user${seq}`,
    displayName: "Fuzz User",
    password: "a-good-password",
    role: "station_staff",
    stationId: ownStation,
  };
}
const USER_KEYS = Object.keys(validUser());

const CAMERA_PATCH: Record<string, Json> = {
  name: "renamed",
  area: "storage",
  sourceUrl: "rtsp://user:pw@192.0.2.51:554/x",
  onvifUrl: "http://192.0.2.51/onvif/device_service",
  onvifUsername: "operator",
  onvifPassword: "onvif-pw",
  detectProfile: "default",
  recordProfile: "default",
  zones: [
    {
      name: "table",
      checks: ["mask"],
      points: [
        [0, 0],
        [1, 0],
        [1, 1],
      ],
    },
  ],
  public: false,
  enabled: true,
};

// ---- property-based ----

describe("arbitrary and mutated bodies (fast-check)", () => {
  it("POST /api/workshops: arbitrary JSON is a clean 4xx and writes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (body) => {
        const before = await counts();
        const res = await send("POST", "/api/workshops", admin, body);
        if (res.statusCode === 201) return; // (a valid body by chance)
        checkShape(res);
        if (res.statusCode === 400 && (body === null || typeof body !== "object" || Array.isArray(body))) {
          expect(res.json().field).toBe("body");
        }
        expect(await counts()).toEqual(before);
      }),
      RUNS,
    );
  });

  it("POST /api/workshops: a one-field mutation is accepted, or refused naming that field", async () => {
    await fc.assert(
      fc.asyncProperty(mutation(WORKSHOP_KEYS), async ({ key, value }) => {
        const before = await counts();
        const sent = mutate(validWorkshop(), key, value);
        const res = await send("POST", "/api/workshops", admin, sent);
        expect([201, 400, 409], res.body).toContain(res.statusCode);
        if (res.statusCode === 201) {
          expect((await counts()).workshops).toBe(before.workshops + 1);
          return;
        }
        checkMutationRejection(res, key, [], sent);
        expect(await counts()).toEqual(before);
      }),
      RUNS,
    );
  });

  it("PATCH /api/cameras/:id: arbitrary and mutated bodies never 5xx; a refusal changes nothing", async () => {
    const body = fc.oneof(
      anyJson.map((b) => ({ b, key: undefined as string | undefined })),
      mutation(Object.keys(CAMERA_PATCH)).map(({ key, value }) => ({ b: mutate({}, key, value), key })),
      mutation(Object.keys(CAMERA_PATCH)).map(({ key, value }) => ({
        b: mutate(CAMERA_PATCH, key, value),
        key,
      })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ b, key }) => {
        const before = await counts();
        const cam = await row("cameras", fuzzCamera);
        const res = await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, b);
        expect([200, 400], res.body).toContain(res.statusCode);
        if (res.statusCode === 200) return;
        if (key !== undefined && Object.keys(b as object).length > 0) checkMutationRejection(res, key, [], b);
        else checkShape(res);
        expect(await counts()).toEqual(before);
        expect(await row("cameras", fuzzCamera)).toEqual(cam);
      }),
      RUNS,
    );
  });

  it("POST /api/users: arbitrary and mutated bodies never 5xx; a refusal writes nothing", async () => {
    const body = fc.oneof(
      anyJson.map((b) => ({ b: () => b, key: undefined as string | undefined })),
      mutation(USER_KEYS).map(({ key, value }) => ({ b: () => mutate(validUser(), key, value), key })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ b, key }) => {
        const before = await counts();
        const sent = b();
        const res = await send("POST", "/api/users", admin, sent);
        expect([201, 400, 409], res.body).toContain(res.statusCode);
        if (res.statusCode === 201) return;
        // A role without a station, or a station role without one, is the stationId's fault.
        if (key !== undefined) checkMutationRejection(res, key, ["stationId"], sent);
        else checkShape(res);
        expect(await counts()).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });

  it("GET /api/workshops?query: any query string is a 200 page or a 400 naming a given parameter", async () => {
    const known = ["page", "pageSize", "stationId", "pilot", "demoSite", "coldChain", "riskLevel", "q"];
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ maxLength: 80, unit: "grapheme" }),
      fc.constantFrom("0", "-1", "1", "1.5", "true", "false", "yes", "high", "%", "_", "\\", "x\u0000y"),
      fc.integer().map(String),
    );
    const pairs = fc.array(
      fc.tuple(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, fc.string({ maxLength: 8 })),
        value,
      ),
      { maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(pairs, async (ps) => {
        const qs = new URLSearchParams(ps).toString();
        const res = await send("GET", `/api/workshops?${qs}`, staff);
        expect([200, 400], res.body).toContain(res.statusCode);
        if (res.statusCode === 200) {
          const page = res.json();
          expect(Array.isArray(page.items)).toBe(true);
          for (const w of page.items) expect(w.stationId).toBe(ownStation);
          return;
        }
        const body = checkShape(res)!;
        expect(body.error).toBe("validation_failed");
        // A parameter with an empty name is named after the part it is in.
        const keys = ps.map(([k]) => (k === "" ? "querystring" : k));
        expect(
          keys.some((k) => names(body.field, k)),
          res.body,
        ).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("GET /api/workshops/:id: any id string is a 200 for an own workshop, a 404, or a 400 naming id", async () => {
    const ids = fc.oneof(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" }),
      fc.integer({ min: -100, max: 100 }).map(String),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc.double().map(String),
      fc.constantFrom("0", "-1", "abc", "1.5", "99999999999", "1e3", "0x10", " 1", "1 ", "null", "[]", "%00"),
    );
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        const res = await send("GET", `/api/workshops/${encodeURIComponent(id)}`, staff);
        expect([200, 400, 404], res.body).toContain(res.statusCode);
        if (res.statusCode === 200) {
          expect(res.json().stationId).toBe(ownStation);
          return;
        }
        const body = checkShape(res)!;
        if (res.statusCode === 400) expect(body.field).toBe("id");
        else expect(body.error).toBe("not_found");
      }),
      { numRuns: 100 },
    );
  });

  it("POST /api/auth/login: arbitrary and mutated bodies are a 400, 401 or 429, never a session", async () => {
    let ip = 0;
    const body = fc.oneof(
      anyJson.map((b) => ({ b, key: undefined as string | undefined })),
      mutation(["username", "password"]).map(({ key, value }) => ({
        b: mutate({ username: "mingshui.staff", password: "not-the-password" }, key, value),
        key,
      })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ b, key }) => {
        ip++;
        const before = await counts();
        const res = await send("POST", "/api/auth/login", undefined, b, {
          ip: `10.77.${ip >> 8}.${ip & 255}`,
        });
        expect([400, 401, 429], res.body).toContain(res.statusCode);
        expect(res.headers["set-cookie"]).toBeUndefined();
        if (key !== undefined) checkMutationRejection(res, key, [], b);
        else checkShape(res);
        const after = await counts();
        expect(after.sessions).toBe(before.sessions);
        if (res.statusCode === 400) expect(after).toEqual(before);
      }),
      RUNS,
    );
  });
});

// ---- hand-written ----

describe("malformed requests", () => {
  it("refuses malformed JSON text, with no field", async () => {
    const before = await counts();
    for (const raw of ['{"name": ', "{name: 1}", "[1,2", "'x'", '{"a":1}}', "nul"]) {
      const res = await send("POST", "/api/workshops", admin, undefined, { raw });
      expect(res.statusCode, raw).toBe(400);
      expect(checkShape(res)!.error, raw).toBe("invalid_json");
    }
    expect(await counts()).toEqual(before);
  });

  it("refuses an empty JSON body as a 400", async () => {
    const res = await send("POST", "/api/workshops", admin, undefined, { raw: "" });
    expect(res.statusCode).toBe(400);
    expect(checkShape(res)!.error).toBe("invalid_json");
  });

  it("refuses a JSON array, a string, a number or null where an object is expected, naming the body", async () => {
    for (const body of [[validWorkshop()], "workshop", 42, null, true]) {
      const res = await send("POST", "/api/workshops", admin, body);
      expect400(res, "body");
    }
    expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, [{ name: "x" }]), "body");
    expect400(await send("POST", "/api/auth/login", undefined, ["admin", "pw"]), "body");
  });

  it("refuses wrong types instead of coercing them", async () => {
    const before = await counts();
    const cases: [Record<string, Json>, string][] = [
      [{ riskLevel: 5 }, "riskLevel"],
      [{ riskLevel: "extreme" }, "riskLevel"],
      [{ coldChain: "yes" }, "coldChain"],
      [{ coldChain: "true" }, "coldChain"],
      [{ pilot: 1 }, "pilot"],
      [{ stationId: "1" }, "stationId"],
      [{ stationId: 1.5 }, "stationId"],
      [{ employees: "4" }, "employees"],
      [{ employees: -1 }, "employees"],
      [{ name: 12 }, "name"],
      [{ name: null }, "name"],
      [{ workingHours: { start: "6:00", end: "18:00" } }, "workingHours.start"],
      [{ workingHours: "06:00-18:00" }, "workingHours"],
      [{ phone: "call me" }, "phone"],
    ];
    for (const [patch, field] of cases) {
      expect400(await send("POST", "/api/workshops", admin, { ...validWorkshop(), ...patch }), field);
      expect400(await send("PATCH", `/api/workshops/${ownWorkshop}`, admin, patch), field);
    }
    expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { enabled: "false" }), "enabled");
    expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { zones: {} }), "zones");
    expect400(
      await send("POST", "/api/users", admin, { ...validUser(), stationId: String(ownStation) }),
      "stationId",
    );
    expect400(await send("POST", "/api/auth/login", undefined, { username: 7, password: "x" }), "username");
    expect(await counts()).toEqual(before);
  });

  it("refuses missing required fields, naming them", async () => {
    for (const key of ["stationId", "name", "licenceNo", "address", "category", "riskLevel"]) {
      const body = validWorkshop();
      delete body[key];
      expect400(await send("POST", "/api/workshops", admin, body), key);
    }
    expect400(await send("POST", "/api/cameras", admin, { workshopId: ownWorkshop, name: "x" }), "area");
    expect400(await send("PATCH", `/api/workshops/${ownWorkshop}`, admin, {}), "body");
  });

  it("refuses unknown fields, naming them", async () => {
    const before = await counts();
    expect400(await send("POST", "/api/workshops", admin, { ...validWorkshop(), hacker: 1 }), "hacker");
    expect400(
      await send("PATCH", `/api/workshops/${ownWorkshop}`, admin, { name: "x", hacker: 1 }),
      "hacker",
    );
    expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { hacker: 1 }), "hacker");
    expect400(await send("POST", "/api/users", admin, { ...validUser(), isAdmin: true }), "isAdmin");
    expect400(
      await send("POST", "/api/auth/login", undefined, { username: "admin", password: "x", hacker: 1 }),
      "hacker",
    );
    expect400(
      await send("PATCH", `/api/workshops/${ownWorkshop}`, admin, {
        workingHours: { start: "06:00", end: "18:00", tz: "UTC" },
      }),
      "workingHours.tz",
    );
    // Server-owned fields are unknown fields too.
    for (const key of ["id", "createdAt", "cameraCount", "stationName"]) {
      expect400(await send("PATCH", `/api/workshops/${ownWorkshop}`, admin, { [key]: 1 }), key);
    }
    expect400(await send("GET", "/api/workshops?hacker=1", admin), "hacker");
    expect(await counts()).toEqual(before);
  });

  it("refuses oversized strings, naming them", async () => {
    const before = await counts();
    const huge = "名".repeat(10_000);
    expect400(await send("POST", "/api/workshops", admin, { ...validWorkshop(), name: huge }), "name");
    expect400(await send("PATCH", `/api/workshops/${ownWorkshop}`, admin, { address: huge }), "address");
    expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { name: huge }), "name");
    expect400(
      await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { sourceUrl: `rtsp://h/${"a".repeat(600)}` }),
      "sourceUrl",
    );
    expect400(await send("POST", "/api/users", admin, { ...validUser(), displayName: huge }), "displayName");
    expect400(
      await send("POST", "/api/auth/login", undefined, { username: huge, password: "x" }),
      "username",
    );
    expect400(
      await send("POST", "/api/auth/login", undefined, { username: "admin", password: huge }),
      "password",
    );
    expect400(await send("GET", `/api/workshops?q=${"x".repeat(65)}`, admin), "q");
    expect(await counts()).toEqual(before);
  });

  it("refuses text the database cannot store (NUL) as a 400, not a 500", async () => {
    const before = await counts();
    expect400(await send("POST", "/api/workshops", admin, { ...validWorkshop(), name: "a\u0000b" }), "name");
    expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { area: "\u0000" }), "area");
    expect400(await send("GET", `/api/workshops?q=${encodeURIComponent("a\u0000")}`, admin), "q");
    expect(await counts()).toEqual(before);
  });

  it("refuses bad ids in the path with 400 naming id; a missing id is a 404", async () => {
    for (const id of ["0", "-1", "abc", "1.5", "99999999999", "1e400", "NaN"]) {
      for (const [method, url, payload] of [
        ["GET", `/api/workshops/${id}`, undefined],
        ["PATCH", `/api/workshops/${id}`, { name: "x" }],
        ["DELETE", `/api/workshops/${id}`, undefined],
        ["GET", `/api/cameras/${id}`, undefined],
        ["PATCH", `/api/cameras/${id}`, { name: "x" }],
        ["DELETE", `/api/cameras/${id}`, undefined],
        ["GET", `/api/users/${id}`, undefined],
        ["GET", `/api/stations/${id}`, undefined],
      ] as [Method, string, Json][]) {
        const body = expect400(await send(method, url, admin, payload), "id");
        expect(body.message).toMatch(/^params: /);
      }
    }
    for (const [method, url] of [
      ["GET", "/api/workshops/424242"],
      ["DELETE", "/api/workshops/424242"],
      ["GET", "/api/cameras/424242"],
      ["GET", "/api/users/424242"],
      ["GET", "/api/stations/424242"],
    ] as [Method, string][]) {
      const res = await send(method, url, admin);
      expect(res.statusCode, url).toBe(404);
      expect(checkShape(res)!.error).toBe("not_found");
    }
    const patch = await send("PATCH", "/api/workshops/424242", admin, { name: "x" });
    expect(patch.statusCode).toBe(404);
  });

  it("refuses an unsupported content type with 415", async () => {
    const before = await counts();
    for (const contentType of ["text/plain", "application/xml", "application/x-www-form-urlencoded"]) {
      const res = await send("POST", "/api/workshops", admin, undefined, {
        raw: JSON.stringify(validWorkshop()),
        contentType,
      });
      expect(res.statusCode, contentType).toBe(415);
      expect(checkShape(res)!.error).toBe("unsupported_media_type");
    }
    expect(await counts()).toEqual(before);
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const before = await counts();
    const raw = JSON.stringify({ ...validWorkshop(), address: "x".repeat(1024 * 1024 + 10) });
    const res = await send("POST", "/api/workshops", admin, undefined, { raw });
    expect(res.statusCode).toBe(413);
    expect(checkShape(res)!.error).toBe("payload_too_large");
    expect(await counts()).toEqual(before);
  });

  it("refuses camera URLs that are not URLs or use another scheme, naming sourceUrl", async () => {
    const before = await counts();
    const cam = await row("cameras", fuzzCamera);
    for (const sourceUrl of [
      "ftp://x",
      "ftp://192.0.2.1/stream",
      "rtsp://",
      "javascript:alert(1)",
      "not a url",
      "rtsp:/192.0.2.1/x",
      "rtsp://host with space/x",
      "rtsp://192.0.2.1:99999/x",
      "http://[::1/x",
      "file:///etc/passwd",
      "",
    ]) {
      expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { sourceUrl }), "sourceUrl");
      expect400(
        await send("POST", "/api/cameras", admin, {
          workshopId: ownWorkshop,
          name: "c",
          area: "a",
          sourceUrl,
        }),
        "sourceUrl",
      );
    }
    for (const onvifUrl of ["rtsp://192.0.2.1/onvif", "http://u:p@192.0.2.1/onvif", "javascript:alert(1)"]) {
      expect400(await send("PATCH", `/api/cameras/${fuzzCamera}`, admin, { onvifUrl }), "onvifUrl");
    }
    expect(await counts()).toEqual(before);
    expect(await row("cameras", fuzzCamera)).toEqual(cam);
  });
});

describe("another station's resources are 404, exactly like missing ones", () => {
  const MISSING = 424242;

  async function same(
    cookie: string,
    method: Method,
    path: (id: number) => string,
    other: number,
    body?: Json,
  ) {
    const a = await send(method, path(other), cookie, body);
    const b = await send(method, path(MISSING), cookie, body);
    expect(a.statusCode, `${method} ${path(other)}: ${a.body}`).toBe(404);
    expect(b.statusCode).toBe(404);
    expect(a.json()).toEqual(b.json());
    expect(a.body).toBe(b.body);
  }

  it("for workshops: read, patch and delete (station staff and duty officer)", async () => {
    const before = await row("workshops", otherWorkshop);
    for (const cookie of [staff, duty]) {
      await same(cookie, "GET", (id) => `/api/workshops/${id}`, otherWorkshop);
      await same(cookie, "PATCH", (id) => `/api/workshops/${id}`, otherWorkshop, { name: "taken over" });
      await same(cookie, "PATCH", (id) => `/api/workshops/${id}`, otherWorkshop, { stationId: ownStation });
      await same(cookie, "DELETE", (id) => `/api/workshops/${id}`, otherWorkshop);
    }
    expect(await row("workshops", otherWorkshop)).toEqual(before);
    // The own station's workshop is visible.
    expect((await send("GET", `/api/workshops/${ownWorkshop}`, staff)).statusCode).toBe(200);
  });

  it("for cameras: read, patch and delete (station staff and duty officer)", async () => {
    const before = await row("cameras", otherCamera);
    for (const cookie of [staff, duty]) {
      await same(cookie, "GET", (id) => `/api/cameras/${id}`, otherCamera);
      await same(cookie, "PATCH", (id) => `/api/cameras/${id}`, otherCamera, { name: "taken over" });
      await same(cookie, "PATCH", (id) => `/api/cameras/${id}`, otherCamera, {
        sourceUrl: "rtsp://evil.example/x",
      });
      await same(cookie, "DELETE", (id) => `/api/cameras/${id}`, otherCamera);
    }
    expect(await row("cameras", otherCamera)).toEqual(before);
    expect((await send("GET", `/api/cameras/${ownCamera}`, staff)).statusCode).toBe(200);
  });

  it("for creating a camera under another station's workshop", async () => {
    const before = await counts();
    const body = (workshopId: number) => ({ workshopId, name: "spy cam", area: "kitchen" });
    for (const cookie of [staff, duty]) {
      const a = await send("POST", "/api/cameras", cookie, body(otherWorkshop));
      const b = await send("POST", "/api/cameras", cookie, body(MISSING));
      expect(a.statusCode, a.body).toBe(404);
      expect(a.body).toBe(b.body);
    }
    expect(await counts()).toEqual(before);
  });

  it("lists never show another station's rows, and filters for one are empty, not an error", async () => {
    const other = (
      await t.db
        .selectFrom("workshops")
        .select("station_id")
        .where("id", "=", otherWorkshop)
        .executeTakeFirstOrThrow()
    ).station_id;
    const ws = await send("GET", `/api/workshops?stationId=${other}`, staff);
    expect(ws.statusCode).toBe(200);
    expect(ws.json().items).toEqual([]);
    const cs = await send("GET", `/api/cameras?workshopId=${otherWorkshop}`, staff);
    expect(cs.statusCode).toBe(200);
    expect(cs.json().items).toEqual([]);
  });
});
