/**
 * The RBAC matrix over HTTP: every role × route × own/other station, against the real app.
 * "Own" is 明水所 (mingshui); "other" is 双山所 (shuangshan). The admin and the brigade have no station;
 * for them own/other are simply two different stations.
 */
import type { Role } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../test/support/harness.js";

type Where = "own" | "other";
interface Ctx {
  t: TestApp;
  station: Record<Where, number>;
  workshop: Record<Where, number>;
  camera: Record<Where, number>;
  /** A throw-away workshop (with a camera) in that station, for destructive routes. */
  scratch(where: Where): Promise<{ workshopId: number; cameraId: number }>;
}

interface RouteCase {
  name: string;
  request(c: Ctx, where: Where): Promise<{ method: string; url: string; payload?: unknown }>;
  /** Expected status for [own, other] per role. */
  expect: Record<Role, [number, number]>;
}

let seq = 0;
const newWorkshop = (stationId: number) => ({
  stationId,
  name: `测试作坊${++seq}`,
  licenceNo: `TEST-${Date.now()}-${seq}`,
  address: "济南市章丘区测试路1号",
  category: "豆制品",
  riskLevel: "medium",
});

const ALL = (a: number, b = a): Record<Role, [number, number]> => ({
  bureau_admin: [a, b],
  station_staff: [a, b],
  duty_officer: [a, b],
  brigade_officer: [a, b],
});

/** An association activity of the station: the seeded one, or a new one for destructive routes. */
async function activityOf(c: Ctx, w: Where, fresh = false): Promise<number> {
  const q = c.t.db.selectFrom("association_activities").select("id").where("station_id", "=", c.station[w]);
  if (!fresh) return (await q.orderBy("id").executeTakeFirstOrThrow()).id;
  const a = await c.t.db
    .insertInto("association_activities")
    .values({ station_id: c.station[w], held_on: "2022-07-01", title: `临时活动${++seq}`, participants: 5 })
    .returning("id")
    .executeTakeFirstOrThrow();
  return a.id;
}

/** A new demonstration site (示范点) of the station: the QR code and the poster exist for those only. */
async function demoSite(c: Ctx, w: Where): Promise<number> {
  const { workshopId } = await c.scratch(w);
  await c.t.db.updateTable("workshops").set({ demo_site: true }).where("id", "=", workshopId).execute();
  return workshopId;
}

/** A photo row of a new activity of the station (its file need not exist to be deleted). */
async function activityPhotoOf(c: Ctx, w: Where): Promise<string> {
  const activityId = await activityOf(c, w, true);
  const id = crypto.randomUUID();
  await c.t.db
    .insertInto("activity_photos")
    .values({
      id,
      activity_id: activityId,
      mime: "image/png",
      size: 1,
      sha256: "0".repeat(64),
      path: `activities/${activityId}/x.png`,
    })
    .execute();
  return `/api/activities/${activityId}/photos/${id}`;
}

/** A new citizen's feedback item on the station's first workshop (stored as the public route would). */
async function feedbackOf(c: Ctx, w: Where): Promise<number> {
  const f = await c.t.db
    .insertInto("public_feedback")
    .values({
      workshop_id: c.workshop[w],
      station_id: c.station[w],
      kind: "suggestion",
      body: "建议公示晨检记录",
      ip_hash: "0".repeat(64),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return f.id;
}

/** A new case of the station (not handed to the brigade), written straight to the table. */
async function caseOf(c: Ctx, w: Where): Promise<string> {
  const id = crypto.randomUUID();
  await c.t.db
    .insertInto("cases")
    .values({
      id,
      code: `2026-rbac-${++seq}-${w}`,
      station_id: c.station[w],
      workshop_id: c.workshop[w],
      title: "测试案件",
      description: null,
      state: "open",
      deadline: null,
      outcome: null,
      opened_by: null,
      closed_at: null,
      dispatch_due_at: null,
      dispatched_at: null,
      on_site_due_at: null,
      on_site_at: null,
      rectification_due_at: null,
      rectification_ordered_at: null,
      rectified_at: null,
      reviewed_at: null,
      brigade_assigned_at: null,
    })
    .execute();
  return id;
}

/** An alert of the station's first camera (no_hat, new), with `extra` columns. */
async function insertAlert(c: Ctx, w: Where, extra: Record<string, unknown> = {}): Promise<string> {
  const id = (extra.id as string | undefined) ?? crypto.randomUUID();
  await c.t.db
    .insertInto("alerts")
    .values({
      id,
      camera_id: c.camera[w],
      workshop_id: c.workshop[w],
      station_id: c.station[w],
      type: "no_hat",
      confidence: 0.9,
      grade: 2,
      status: "new",
      captured_at: new Date(),
      evidence_path: null,
      evidence_sha256: null,
      acknowledged_by: null,
      ack_note: null,
      escalated_at: null,
      ...extra,
    })
    .execute();
  return id;
}

/** An alert of the station's first camera with a (missing) clip row: what GET /api/alerts/:id/clip reads. */
async function alertWithClipOf(c: Ctx, w: Where): Promise<string> {
  const id = await insertAlert(c, w);
  const at = new Date();
  await c.t.db
    .insertInto("alert_clips")
    .values({ alert_id: id, camera_id: c.camera[w], status: "missing", requested_from: at, requested_to: at })
    .execute();
  return id;
}

/**
 * An alert of the station's first camera whose evidence and undrawn frame are recorded but absent (the
 * test app's DATA_DIR does not exist): past the policy, GET /api/alerts/:id/evidence|frame answer 410.
 */
async function alertWithFilesOf(c: Ctx, w: Where): Promise<string> {
  const id = crypto.randomUUID();
  const dir = `evidence/${c.station[w]}/2026-12`;
  return insertAlert(c, w, {
    id,
    type: "no_mask",
    evidence_path: `${dir}/${id}.jpg`,
    evidence_sha256: "0".repeat(64),
    frame_path: `${dir}/${id}.frame.jpg`,
    frame_sha256: "0".repeat(64),
  });
}

/**
 * An alert's evidence and undrawn frame: whoever may read the alert (else 404, as for a missing id, the
 * brigade included); 410 here because the files are absent.
 */
const ALERT_MEDIA: Record<Role, [number, number]> = {
  bureau_admin: [410, 410],
  station_staff: [410, 404],
  duty_officer: [410, 404],
  brigade_officer: [404, 404],
};

/** Citizens' feedback: the station's own staff and duty officers, and the bureau; never the brigade. */
const FEEDBACK = (ok: number): Record<Role, [number, number]> => ({
  bureau_admin: [ok, ok],
  station_staff: [ok, 404],
  duty_officer: [ok, 404],
  brigade_officer: [403, 403],
});

/** Reads: the own station's users see their station's only; the bureau and the brigade see all. */
const READ_OWN: Record<Role, [number, number]> = {
  bureau_admin: [200, 200],
  station_staff: [200, 404],
  duty_officer: [200, 404],
  brigade_officer: [200, 200],
};
/** plan.update: the bureau everywhere, station staff in their station; the others never (404 first). */
const PLAN_UPDATE = (ok: number): Record<Role, [number, number]> => ({
  bureau_admin: [ok, ok],
  station_staff: [ok, 404],
  duty_officer: [403, 404],
  brigade_officer: [403, 403],
});

/** recording.view / recording.download: whoever watches the station's live video; never the brigade. */
const RECORDINGS: Record<Role, [number, number]> = {
  bureau_admin: [200, 200],
  station_staff: [200, 404],
  duty_officer: [200, 404],
  brigade_officer: [403, 403],
};

const ROUTES: RouteCase[] = [
  {
    name: "GET /api/stations",
    request: async () => ({ method: "GET", url: "/api/stations" }),
    expect: ALL(200),
  },
  {
    name: "GET /api/stations/:id",
    request: async (c, w) => ({ method: "GET", url: `/api/stations/${c.station[w]}` }),
    expect: ALL(200),
  },
  {
    name: "GET /api/dashboard",
    request: async (c, w) => ({ method: "GET", url: `/api/dashboard?stationId=${c.station[w]}` }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [200, 404],
      duty_officer: [200, 404],
      brigade_officer: [200, 200],
    },
  },
  {
    name: "GET /api/assessment/:year",
    request: async (c, w) => ({
      method: "GET",
      url: `/api/assessment/${new Date().getUTCFullYear() - 1}?stationId=${c.station[w]}`,
    }),
    expect: READ_OWN,
  },
  {
    name: "GET /api/assessment/:year/workbook.xlsx",
    request: async (c, w) => ({
      method: "GET",
      url: `/api/assessment/${new Date().getUTCFullYear() - 1}/workbook.xlsx?stationId=${c.station[w]}`,
    }),
    expect: READ_OWN,
  },
  {
    // A case's archive (案卷 ZIP): whoever may read the case; the brigade only cases handed to it.
    name: "GET /api/cases/:id/archive",
    request: async (c, w) => ({ method: "GET", url: `/api/cases/${await caseOf(c, w)}/archive` }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [200, 404],
      duty_officer: [200, 404],
      brigade_officer: [404, 404],
    },
  },
  {
    name: "GET /api/workshops/:id",
    request: async (c, w) => ({ method: "GET", url: `/api/workshops/${c.workshop[w]}` }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [200, 404],
      duty_officer: [200, 404],
      brigade_officer: [200, 200],
    },
  },
  {
    name: "POST /api/workshops",
    request: async (c, w) => ({ method: "POST", url: "/api/workshops", payload: newWorkshop(c.station[w]) }),
    expect: {
      bureau_admin: [201, 201],
      station_staff: [201, 404],
      duty_officer: [403, 403],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "PATCH /api/workshops/:id",
    request: async (c, w) => ({
      method: "PATCH",
      url: `/api/workshops/${c.workshop[w]}`,
      payload: { employees: 7 },
    }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [200, 404],
      duty_officer: [403, 404],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "DELETE /api/workshops/:id",
    request: async (c, w) => ({ method: "DELETE", url: `/api/workshops/${(await c.scratch(w)).workshopId}` }),
    expect: {
      bureau_admin: [204, 204],
      station_staff: [403, 404],
      duty_officer: [403, 404],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "GET /api/alerts/:id/clip",
    request: async (c, w) => ({ method: "GET", url: `/api/alerts/${await alertWithClipOf(c, w)}/clip` }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [200, 404],
      duty_officer: [200, 404],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "GET /api/alerts/:id/evidence",
    request: async (c, w) => ({ method: "GET", url: `/api/alerts/${await alertWithFilesOf(c, w)}/evidence` }),
    expect: ALERT_MEDIA,
  },
  {
    name: "GET /api/alerts/:id/frame",
    request: async (c, w) => ({ method: "GET", url: `/api/alerts/${await alertWithFilesOf(c, w)}/frame` }),
    expect: ALERT_MEDIA,
  },
  {
    name: "GET /api/cameras/:id",
    request: async (c, w) => ({ method: "GET", url: `/api/cameras/${c.camera[w]}` }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [200, 404],
      duty_officer: [200, 404],
      brigade_officer: [200, 200],
    },
  },
  {
    name: "POST /api/cameras",
    request: async (c, w) => ({
      method: "POST",
      url: "/api/cameras",
      payload: {
        workshopId: c.workshop[w],
        name: `cam-${++seq}`,
        area: "洗消间",
        sourceUrl: "rtsp://u:p@127.0.0.1/x",
      },
    }),
    expect: {
      bureau_admin: [201, 201],
      station_staff: [201, 404],
      duty_officer: [403, 404],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "PATCH /api/cameras/:id",
    request: async (c, w) => ({
      method: "PATCH",
      url: `/api/cameras/${c.camera[w]}`,
      payload: { enabled: true },
    }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [200, 404],
      duty_officer: [403, 404],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "DELETE /api/cameras/:id",
    request: async (c, w) => ({ method: "DELETE", url: `/api/cameras/${(await c.scratch(w)).cameraId}` }),
    expect: {
      bureau_admin: [204, 204],
      station_staff: [403, 404],
      duty_officer: [403, 404],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "GET /api/workshops/:id/poster",
    request: async (c, w) => ({ method: "GET", url: `/api/workshops/${await demoSite(c, w)}/poster` }),
    expect: READ_OWN,
  },
  {
    name: "GET /api/workshops/:id/public-qr.png",
    request: async (c, w) => ({ method: "GET", url: `/api/workshops/${await demoSite(c, w)}/public-qr.png` }),
    expect: READ_OWN,
  },
  {
    name: "GET /api/workshops/:id/plan",
    request: async (c, w) => ({ method: "GET", url: `/api/workshops/${c.workshop[w]}/plan` }),
    expect: READ_OWN,
  },
  {
    name: "PUT /api/workshops/:id/demonstration",
    request: async (c, w) => ({
      method: "PUT",
      url: `/api/workshops/${c.workshop[w]}/demonstration`,
      payload: { level: "demonstration", awardedOn: "2022-09-28", decisionRef: "章市监管字〔2022〕58号" },
    }),
    expect: PLAN_UPDATE(200),
  },
  {
    name: "DELETE /api/workshops/:id/demonstration",
    request: async (c, w) => ({
      method: "DELETE",
      url: `/api/workshops/${(await c.scratch(w)).workshopId}/demonstration`,
    }),
    expect: PLAN_UPDATE(200),
  },
  {
    name: "PUT /api/workshops/:id/upgrade",
    request: async (c, w) => ({
      method: "PUT",
      url: `/api/workshops/${c.workshop[w]}/upgrade`,
      payload: { upgradedOn: "2022-11-15", licenceNo: "SC12337018100123" },
    }),
    expect: PLAN_UPDATE(200),
  },
  {
    name: "DELETE /api/workshops/:id/upgrade",
    request: async (c, w) => ({
      method: "DELETE",
      url: `/api/workshops/${(await c.scratch(w)).workshopId}/upgrade`,
    }),
    expect: PLAN_UPDATE(200),
  },
  {
    name: "GET /api/activities",
    request: async (c, w) => ({ method: "GET", url: `/api/activities?stationId=${c.station[w]}` }),
    expect: ALL(200),
  },
  {
    name: "GET /api/activities/:id",
    request: async (c, w) => ({ method: "GET", url: `/api/activities/${await activityOf(c, w)}` }),
    expect: READ_OWN,
  },
  {
    name: "POST /api/activities",
    request: async (c, w) => ({
      method: "POST",
      url: "/api/activities",
      payload: { stationId: c.station[w], heldOn: "2022-10-12", title: "协会培训", participants: 20 },
    }),
    expect: { ...PLAN_UPDATE(201), duty_officer: [403, 403] },
  },
  {
    name: "PATCH /api/activities/:id",
    request: async (c, w) => ({
      method: "PATCH",
      url: `/api/activities/${await activityOf(c, w, true)}`,
      payload: { participants: 12 },
    }),
    expect: PLAN_UPDATE(200),
  },
  {
    name: "DELETE /api/activities/:id",
    request: async (c, w) => ({ method: "DELETE", url: `/api/activities/${await activityOf(c, w, true)}` }),
    expect: PLAN_UPDATE(204),
  },
  {
    name: "DELETE /api/activities/:id/photos/:photoId",
    request: async (c, w) => ({ method: "DELETE", url: await activityPhotoOf(c, w) }),
    expect: PLAN_UPDATE(204),
  },
  {
    name: "GET /api/public-feedback",
    request: async (c, w) => ({ method: "GET", url: `/api/public-feedback?stationId=${c.station[w]}` }),
    expect: { ...ALL(200), brigade_officer: [403, 403] },
  },
  {
    name: "GET /api/public-feedback/:id",
    request: async (c, w) => ({ method: "GET", url: `/api/public-feedback/${await feedbackOf(c, w)}` }),
    expect: FEEDBACK(200),
  },
  {
    name: "POST /api/public-feedback/:id/reply",
    request: async (c, w) => ({
      method: "POST",
      url: `/api/public-feedback/${await feedbackOf(c, w)}/reply`,
      payload: { reply: "感谢建议，已转告经营者。" },
    }),
    expect: FEEDBACK(200),
  },
  {
    name: "POST /api/public-feedback/:id/close",
    request: async (c, w) => ({
      method: "POST",
      url: `/api/public-feedback/${await feedbackOf(c, w)}/close`,
    }),
    expect: FEEDBACK(200),
  },
  {
    name: "GET /api/cameras/:id/recordings",
    request: async (c, w) => ({
      method: "GET",
      url: `/api/cameras/${c.camera[w]}/recordings?day=2026-12-06`,
    }),
    expect: RECORDINGS,
  },
  {
    name: "GET /api/cameras/:id/recordings/links",
    request: async (c, w) => ({
      method: "GET",
      url: `/api/cameras/${c.camera[w]}/recordings/links?from=2026-12-06T01:00:00Z&to=2026-12-06T01:05:00Z&download=true`,
    }),
    expect: RECORDINGS,
  },
  {
    name: "GET /api/users",
    request: async (c, w) => ({ method: "GET", url: `/api/users?stationId=${c.station[w]}` }),
    expect: {
      bureau_admin: [200, 200],
      station_staff: [403, 403],
      duty_officer: [403, 403],
      brigade_officer: [403, 403],
    },
  },
  {
    name: "POST /api/users",
    request: async (c, w) => ({
      method: "POST",
      url: "/api/users",
      payload: {
        username: `user${++seq}`,
        displayName: "新用户",
        password: "password-123",
        role: "station_staff",
        stationId: c.station[w],
      },
    }),
    expect: {
      bureau_admin: [201, 201],
      station_staff: [403, 403],
      duty_officer: [403, 403],
      brigade_officer: [403, 403],
    },
  },
];

const USERS: Record<Role, string> = {
  bureau_admin: "admin",
  station_staff: "mingshui.staff",
  duty_officer: "mingshui.duty",
  brigade_officer: "brigade",
};

describe("RBAC over HTTP: role × route × own/other station", () => {
  const c = {} as Ctx;
  const cookies = {} as Record<Role, string>;

  beforeAll(async () => {
    c.t = await buildTestApp();
    c.station = { own: await c.t.stationId("mingshui"), other: await c.t.stationId("shuangshan") };
    const first = async (stationId: number) => {
      const w = await c.t.db
        .selectFrom("workshops")
        .select("id")
        .where("station_id", "=", stationId)
        .orderBy("id")
        .executeTakeFirstOrThrow();
      const cam = await c.t.db
        .selectFrom("cameras")
        .select("id")
        .where("workshop_id", "=", w.id)
        .orderBy("id")
        .executeTakeFirstOrThrow();
      return { w: w.id, cam: cam.id };
    };
    const own = await first(c.station.own);
    const other = await first(c.station.other);
    c.workshop = { own: own.w, other: other.w };
    c.camera = { own: own.cam, other: other.cam };
    c.scratch = async (where) => {
      const w = await c.t.db
        .insertInto("workshops")
        .values({
          station_id: c.station[where],
          name: `临时作坊${++seq}`,
          licence_no: `SCRATCH-${seq}-${Date.now()}`,
          address: "x",
          category: "糕点",
          risk_level: "low",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const cam = await c.t.db
        .insertInto("cameras")
        .values({ workshop_id: w.id, name: "cam", area: "加工车间" })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { workshopId: w.id, cameraId: cam.id };
    };
    for (const role of Object.keys(USERS) as Role[]) cookies[role] = await c.t.login(USERS[role]);
  });
  afterAll(() => c.t.close());

  const rows = ROUTES.flatMap((r) =>
    (Object.keys(USERS) as Role[]).flatMap((role) =>
      (["own", "other"] as Where[]).map((where) => ({
        route: r.name,
        role,
        where,
        status: r.expect[role][where === "own" ? 0 : 1],
        r,
      })),
    ),
  );

  it.each(rows)("$role $route ($where station) → $status", async ({ r, role, where, status }) => {
    const req = await r.request(c, where);
    const res = await c.t.app.inject({
      method: req.method as "GET",
      url: req.url,
      headers: { cookie: cookies[role] },
      ...(req.payload ? { payload: req.payload as object } : {}),
    });
    expect(res.statusCode, res.body).toBe(status);
    if (status >= 400) {
      const error = { 404: "not_found", 410: /_missing$/ }[status as 404 | 410] ?? "forbidden";
      expect(res.json().error).toMatch(error);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    }
  });

  it("lists only the workshops and cameras of the user's own station", async () => {
    const ws = await c.t.app.inject({
      url: "/api/workshops?pageSize=200",
      headers: { cookie: cookies.station_staff },
    });
    const items = ws.json().items as { stationId: number }[];
    expect(items.length).toBeGreaterThanOrEqual(5);
    expect(new Set(items.map((i) => i.stationId))).toEqual(new Set([c.station.own]));
    // Filtering by another station gives nothing rather than an error that confirms it exists.
    const other = await c.t.app.inject({
      url: `/api/cameras?stationId=${c.station.other}`,
      headers: { cookie: cookies.duty_officer },
    });
    expect(other.json()).toMatchObject({ items: [], total: 0 });
    const all = await c.t.app.inject({
      url: "/api/workshops?pageSize=200&pilot=true",
      headers: { cookie: cookies.bureau_admin },
    });
    expect(all.json().total).toBe(42);
    const demo = await c.t.app.inject({
      url: "/api/workshops?demoSite=true",
      headers: { cookie: cookies.brigade_officer },
    });
    expect(demo.json().total).toBeGreaterThanOrEqual(3);
  });

  it("writes every change to the audit log with who, what and from where", async () => {
    const rows = await c.t.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "in", [
        "workshop.create",
        "workshop.update",
        "workshop.delete",
        "camera.create",
        "camera.update",
        "camera.delete",
        "user.create",
      ])
      .execute();
    const actions = new Set(rows.map((r) => r.action));
    expect(actions.size).toBe(7);
    for (const r of rows) {
      expect(r.actor_username).toMatch(/^(admin|mingshui\.staff)$/);
      expect(r.ip).toBeTruthy();
      expect(r.target_id).toBeTruthy();
    }
  });
});
