/**
 * Issue 5's "done when", end to end on the real app listening on 127.0.0.1 (PGlite, the run's Redis,
 * the BullMQ intake worker, real WebSockets): an alert put on the `alerts` queue reaches the consoles
 * allowed to see it (and no other), is acknowledged, becomes a case, the case is handed to the brigade
 * and driven to closed through the API, and every step is in the audit log with who and from where.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  alertProducer,
  camerasOfTwoStations,
  makeAlert,
  type StationCamera,
  WsProbe,
} from "./support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "./support/harness.js";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

let t: TestApp;
let dataDir: string;
let base: string;
let producer: ReturnType<typeof alertProducer>;
let A: StationCamera;
let B: StationCamera;
const cookie: Record<string, string> = {};
const consoles: Record<string, WsProbe> = {};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-e2e-case-"));
  t = await buildTestApp({ env: { DATA_DIR: dataDir }, alerts: { cooldownMinutes: 0, heartbeatMs: 2000 } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  producer = alertProducer(t.redis);
  [A, B] = await camerasOfTwoStations(t.db);
  for (const u of [
    `${A.stationCode}.duty`,
    `${A.stationCode}.staff`,
    `${B.stationCode}.duty`,
    "brigade",
    "admin",
  ]) {
    cookie[u] = await t.login(u);
    consoles[u] = await WsProbe.open(base, cookie[u]!);
  }
});

afterAll(async () => {
  for (const c of Object.values(consoles)) await c.close();
  await producer?.close();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (user: string, url: string, payload: object) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: cookie[user]!, "x-forwarded-for": "192.0.2.7" },
    payload,
  });
const ofCase = (p: WsProbe, id: string) =>
  p.events().filter((e) => e.kind?.startsWith("case.") && e.payload?.id === id);

describe("from a queued alert to a closed case", () => {
  it("reaches the right consoles, is acknowledged, becomes a case driven to closed, every step audited", async () => {
    const dutyA = `${A.stationCode}.duty`;
    const staffA = `${A.stationCode}.staff`;
    const dutyB = `${B.stationCode}.duty`;

    // 1. The analytics worker's message on the queue.
    const job = await makeAlert(t.redis, A.cameraId, { type: "no_hat" });
    await producer.add(job);
    const arrived = (p: WsProbe) => p.events("alert.created").some((e) => e.payload?.id === job.id);
    await consoles[dutyA]!.waitFor(arrived);
    await consoles[staffA]!.waitFor(arrived);
    await consoles.admin!.waitFor(arrived);

    // 2. Acknowledged by the duty officer of that station.
    const ack = await post(dutyA, `/api/alerts/${job.id}/acknowledge`, { note: "值班员已查看视频" });
    expect(ack.statusCode, ack.body).toBe(200);
    await consoles[dutyA]!.waitFor((p) => p.events("alert.updated").some((e) => e.payload?.id === job.id));

    // 3. It becomes a case.
    const opened = await post(dutyA, "/api/cases", { alertIds: [job.id], note: "转快速反应" });
    expect(opened.statusCode, opened.body).toBe(201);
    const caseId: string = opened.json().id;
    await consoles[dutyA]!.waitFor((p) => ofCase(p, caseId).some((e) => e.kind === "case.created"));
    await consoles.admin!.waitFor((p) => ofCase(p, caseId).length > 0);
    const alertRow = await t.db
      .selectFrom("alerts")
      .select("status")
      .where("id", "=", job.id)
      .executeTakeFirstOrThrow();
    expect(alertRow.status).toBe("case_opened");

    // 4. Enforcement needed: handed to the brigade, whose console now sees the case.
    expect(
      (await post(dutyA, `/api/cases/${caseId}/assignment`, { brigade: true, note: "需执法" })).statusCode,
    ).toBe(200);
    await consoles.brigade!.waitFor((p) =>
      ofCase(p, caseId).some((e) => e.payload?.assignedBrigade === true),
    );

    // 5. Driven to closed.
    const step = async (user: string, body: Record<string, unknown>, state: string) => {
      const r = await post(user, `/api/cases/${caseId}/transitions`, body);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().state).toBe(state);
    };
    await step(staffA, { transition: "dispatch" }, "dispatched");
    await step("brigade", { transition: "check_in", note: "执法人员到场" }, "on_site");
    await step(
      "brigade",
      {
        transition: "order_rectification",
        rectificationDueAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      },
      "rectification_ordered",
    );
    const boundary = "----e2e";
    const upload = await t.app.inject({
      method: "POST",
      url: `/api/cases/${caseId}/attachments?kind=rectification`,
      headers: {
        cookie: cookie[staffA]!,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "x-forwarded-for": "192.0.2.7",
      },
      payload: Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="fix.png"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        PNG,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    });
    expect(upload.statusCode, upload.body).toBe(201);
    await step(staffA, { transition: "submit_rectification" }, "rectified");
    await step(dutyA, { transition: "review", note: "复核：已配发工作帽" }, "reviewed");
    await step("brigade", { transition: "close", outcome: "penalised", note: "责令改正并处罚款" }, "closed");
    await consoles[dutyA]!.waitFor((p) => ofCase(p, caseId).some((e) => e.payload?.state === "closed"));
    await consoles.brigade!.waitFor((p) => ofCase(p, caseId).some((e) => e.payload?.state === "closed"));

    // Station B's console never saw any of it: an alert of its own, sent last, arrives (events come in
    // seq order, so anything of station A's would have come first).
    const own = await makeAlert(t.redis, B.cameraId, { type: "no_gloves" });
    await producer.add(own);
    await consoles[dutyB]!.waitFor((p) => p.events("alert.created").some((e) => e.payload?.id === own.id));
    expect(
      consoles[dutyB]!.events().filter((e) => e.payload?.id === job.id || e.payload?.id === caseId),
    ).toEqual([]);

    // 6. Every step audited: who, what, from where.
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "actor_username", "ip", "target_id"])
      .where("target_id", "in", [job.id, caseId])
      .orderBy("id")
      .execute();
    expect(audit.map((a) => `${a.actor_username}:${a.action}`)).toEqual([
      "system:alert.intake",
      `${dutyA}:alert.acknowledge`,
      `${dutyA}:alert.open_case`,
      `${dutyA}:case.create`,
      `${dutyA}:case.assigned_brigade`,
      `${staffA}:case.dispatch`,
      "brigade:case.check_in",
      "brigade:case.order_rectification",
      `${staffA}:case.attach`,
      `${staffA}:case.submit_rectification`,
      `${dutyA}:case.review`,
      "brigade:case.close",
    ]);
    expect(audit.filter((a) => a.actor_username !== "system").every((a) => a.ip)).toBe(true);
    const timeline = (
      await t.app.inject({ method: "GET", url: `/api/cases/${caseId}`, headers: { cookie: cookie.admin! } })
    ).json();
    expect(timeline.outcome).toBe("penalised");
    expect(timeline.timeline).toHaveLength(9);
  });
});
