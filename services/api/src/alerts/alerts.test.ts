/**
 * The alert pipeline end to end on the real app: real BullMQ on the run's Redis, real PGlite, real
 * WebSocket clients. Intake, idempotency, cooldown, evidence, isolation (WS and REST), lifecycle,
 * audit, escalation with short limits, camera offline, resync with `since`, slow consumers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REDIS_KEYS } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  alertProducer,
  camerasOfTwoStations,
  fakeFrame,
  fakeJpeg,
  makeAlert,
  type StationCamera,
  WsProbe,
  waitUntil,
} from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { EvidenceStore } from "./evidence.store.js";

describe("alert pipeline", () => {
  let t: TestApp;
  let dataDir: string;
  let base: string;
  let producer: ReturnType<typeof alertProducer>;
  let A: StationCamera;
  let B: StationCamera;
  let dutyA: string;
  let dutyB: string;
  let staffA: string;
  let admin: string;
  let brigade: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-alerts-"));
    t = await buildTestApp({
      env: { DATA_DIR: dataDir },
      alerts: {
        // Level 3 escalates after 1.2 s, the others after 10 minutes: the escalation test uses level 3.
        gradePolicy: {
          ...(await import("@mingfang/core")).DEFAULT_GRADE_POLICY,
          ackLimitMinutes: { 1: 10, 2: 10, 3: 0.02 },
        },
        sweepMs: 300,
        heartbeatMs: 2000,
        cameraOfflineMinutes: 10,
        wsMaxBufferedBytes: 2 * 1024 * 1024,
      },
    });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    producer = alertProducer(t.redis);
    [A, B] = await camerasOfTwoStations(t.db);
    // Deterministic grades: both cameras at the door.
    await t.db
      .updateTable("cameras")
      .set({ area: "门口" })
      .where("id", "in", [A.cameraId, B.cameraId])
      .execute();
    dutyA = await t.login(`${A.stationCode}.duty`);
    dutyB = await t.login(`${B.stationCode}.duty`);
    staffA = await t.login(`${A.stationCode}.staff`);
    admin = await t.login("admin");
    brigade = await t.login("brigade");
  });
  afterAll(async () => {
    await producer?.close();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string, cookie?: string) =>
    t.app.inject({ method: "GET", url, ...(cookie ? { headers: { cookie } } : {}) });
  const post = (url: string, cookie: string, payload: object) =>
    t.app.inject({ method: "POST", url, headers: { cookie }, payload });
  const alertRow = (id: string) =>
    t.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();

  it("refuses /ws without a session", async () => {
    await expect(WsProbe.open(base, "mingfang_session=nope")).rejects.toThrow(/401/);
  });

  it("stores a queued alert with its evidence and pushes it only to the consoles allowed to see it", async () => {
    const wsA = await WsProbe.open(base, dutyA);
    const wsB = await WsProbe.open(base, dutyB);
    const wsAdmin = await WsProbe.open(base, admin);
    const wsBrigade = await WsProbe.open(base, brigade);
    for (const w of [wsA, wsB, wsAdmin, wsBrigade]) await w.waitFor((p) => p.messages[0]?.type === "hello");

    const job = await makeAlert(t.redis, A.cameraId);
    const jobB = await makeAlert(t.redis, B.cameraId);
    await producer.add(job);
    await producer.add(jobB);
    await wsA.waitFor((p) => p.events("alert.created").length === 1);
    await wsAdmin.waitFor((p) => p.events("alert.created").length === 2);
    await wsB.waitFor((p) => p.events("alert.created").length === 1);
    expect(wsA.events("alert.created")[0]!.payload).toMatchObject({
      id: job.id,
      stationId: A.stationId,
      cameraId: A.cameraId,
      status: "new",
      grade: 3,
    });
    expect(wsB.events().every((e) => e.stationId === B.stationId)).toBe(true);
    expect(wsA.events().every((e) => e.stationId === A.stationId)).toBe(true);
    expect(wsBrigade.events("alert.created")).toHaveLength(0);

    const row = await alertRow(job.id);
    expect(row).toMatchObject({ status: "new", station_id: A.stationId, type: "no_hat", grade: 3 });
    const file = path.join(dataDir, "media", row!.evidence_path!);
    expect(readFileSync(file).equals(fakeJpeg(job.id))).toBe(true);
    expect(row!.evidence_sha256).toBe(job.evidenceSha256);
    // The evidence blob the job referred to went once the alert was committed.
    await waitUntil(
      async () => (await t.redis.exists(job.evidenceKey!)) === 0,
      5000,
      "evidence blob deleted",
    );
    for (const w of [wsA, wsB, wsAdmin, wsBrigade]) await w.close();
  });

  it("is idempotent on the alert id and folds a repetition into the open alert (cooldown)", async () => {
    const job = await makeAlert(t.redis, A.cameraId, { type: "no_mask" });
    await t.app.alertService.intake(job);
    expect(await t.app.alertService.intake(job)).toEqual({ outcome: "duplicate", alertId: job.id });
    await producer.add(job); // BullMQ drops it or intake does: still one row
    const again = await makeAlert(t.redis, A.cameraId, { type: "no_mask" });
    expect(await t.app.alertService.intake(again)).toEqual({
      outcome: "folded",
      alertId: again.id,
      into: job.id,
    });
    const other = await makeAlert(t.redis, A.cameraId, { type: "smoking" });
    expect((await t.app.alertService.intake(other)).outcome).toBe("created");
    await new Promise((r) => setTimeout(r, 300));
    const rows = await t.db
      .selectFrom("alerts")
      .selectAll()
      .where("camera_id", "=", A.cameraId)
      .where("type", "=", "no_mask")
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.repeat_count).toBe(1);
    expect(await alertRow(again.id)).toBeUndefined();
  });

  it("keeps the undrawn frame beside the evidence, hash-checked; a frame that does not match rejects the alert", async () => {
    const store = new EvidenceStore(path.join(dataDir, "media"));
    const job = await makeAlert(t.redis, A.cameraId, { type: "frame_kept", frame: true });
    expect((await t.app.alertService.intake(job)).outcome).toBe("created");
    const row = (await alertRow(job.id))!;
    expect(row.frame_path).toBe(store.framePath(A.stationId, new Date(job.capturedAt), job.id));
    expect(row.frame_sha256).toBe(job.frameSha256);
    expect(readFileSync(path.join(dataDir, "media", row.frame_path!)).equals(fakeFrame(job.id))).toBe(true);

    const bad = await makeAlert(t.redis, A.cameraId, { type: "frame_bad", frame: true });
    bad.frameSha256 = "0".repeat(64);
    expect(await t.app.alertService.intake(bad)).toMatchObject({ outcome: "rejected", reason: /^frame: / });
    expect(await alertRow(bad.id)).toBeUndefined();
    const at = new Date(bad.capturedAt);
    for (const p of [store.relPath(A.stationId, at, bad.id), store.framePath(A.stationId, at, bad.id)])
      expect(existsSync(path.join(dataDir, "media", p))).toBe(false);
    const noHash = await makeAlert(t.redis, A.cameraId, { type: "frame_bad", frame: true });
    delete noHash.frameSha256;
    expect(await t.app.alertService.intake(noHash)).toMatchObject({ outcome: "rejected" });
  });

  it("counts a folded detection once when it is delivered again, and keeps no evidence file for it", async () => {
    const first = await makeAlert(t.redis, A.cameraId, { type: "fold_redelivery" });
    expect((await t.app.alertService.intake(first)).outcome).toBe("created");
    const repeat = await makeAlert(t.redis, A.cameraId, { type: "fold_redelivery" });
    expect((await t.app.alertService.intake(repeat)).outcome).toBe("folded");
    // The worker died after the commit and before BullMQ's acknowledgement: the same job comes back.
    expect(await t.app.alertService.intake(repeat)).toEqual({ outcome: "duplicate", alertId: repeat.id });
    expect(await t.app.alertService.intake(repeat)).toEqual({ outcome: "duplicate", alertId: repeat.id });
    expect((await alertRow(first.id))!.repeat_count).toBe(1);
    const folds = await t.db.selectFrom("alert_folds").selectAll().where("alert_id", "=", first.id).execute();
    expect(folds.map((f) => f.job_id)).toEqual([repeat.id]);
    const store = new EvidenceStore(path.join(dataDir, "media"));
    const evidenceOfRepeat = path.join(
      dataDir,
      "media",
      store.relPath(A.stationId, new Date(repeat.capturedAt), repeat.id),
    );
    expect(existsSync(evidenceOfRepeat)).toBe(false);
  });

  it("rejects a bad payload or evidence that does not match its hash, and stores nothing", async () => {
    const bad = await makeAlert(t.redis, A.cameraId, { type: "no_gloves" });
    bad.evidenceSha256 = "0".repeat(64);
    expect(await t.app.alertService.intake(bad)).toMatchObject({ outcome: "rejected" });
    expect(await t.app.alertService.intake({ id: "x", cameraId: A.cameraId })).toMatchObject({
      outcome: "rejected",
    });
    expect(await t.app.alertService.intake(await makeAlert(t.redis, 999_999))).toMatchObject({
      outcome: "rejected",
    });
    expect(await alertRow(bad.id)).toBeUndefined();
    // An image whose blob expired (or never was) is bad input: rejected with the reason, nothing stored.
    const expired = await makeAlert(t.redis, A.cameraId, { type: "no_gloves" });
    await t.redis.del(expired.evidenceKey!);
    expect(await t.app.alertService.intake(expired)).toMatchObject({
      outcome: "rejected",
      reason: /^evidence: blob .* expired or missing$/,
    });
    expect(await alertRow(expired.id)).toBeUndefined();
    // A reference outside the blob keys is refused by the contract: a job cannot name any other key.
    const forged = { ...(await makeAlert(t.redis, A.cameraId)), evidenceKey: "mingfang:camera:1:status" };
    expect(await t.app.alertService.intake(forged)).toMatchObject({ outcome: "rejected" });
  });

  it("keeps station B out of station A's alerts over REST (list, read, act, evidence)", async () => {
    const job = await makeAlert(t.redis, A.cameraId, { type: "phone_use" });
    await t.app.alertService.intake(job);
    const listB = (await get("/api/alerts?pageSize=200", dutyB)).json();
    expect(listB.items.every((a: { stationId: number }) => a.stationId === B.stationId)).toBe(true);
    expect(listB.items.some((a: { id: string }) => a.id === job.id)).toBe(false);
    const listA = (await get(`/api/alerts?type=phone_use`, dutyA)).json();
    expect(listA.items.map((a: { id: string }) => a.id)).toContain(job.id);
    expect((await get(`/api/alerts/${job.id}`, dutyB)).statusCode).toBe(404);
    expect((await get(`/api/alerts/${job.id}/evidence`, dutyB)).statusCode).toBe(404);
    expect((await post(`/api/alerts/${job.id}/acknowledge`, dutyB, { note: "x" })).statusCode).toBe(404);
    expect((await get(`/api/alerts?pageSize=5`, brigade)).statusCode).toBe(403);
    expect((await get(`/api/alerts/${job.id}`)).statusCode).toBe(401);
  });

  it("serves evidence with the session or a signed link, checking its SHA-256 on read", async () => {
    const job = await makeAlert(t.redis, A.cameraId, {
      type: "uncovered_bin",
      modelVersion: "centernet@1+hat-classifier@2",
    });
    await t.app.alertService.intake(job);
    const view = (await get(`/api/alerts/${job.id}`, dutyA)).json();
    // the versions of the models that raised it (migration 0012), as stored at intake
    expect(view.modelVersion).toBe("centernet@1+hat-classifier@2");
    expect((await alertRow(job.id))?.model_version).toBe("centernet@1+hat-classifier@2");
    expect(view.evidenceUrl).toMatch(/^\/api\/alerts\/.+\/evidence\?token=\d+\.[0-9a-f]{64}$/);
    const bySession = await get(`/api/alerts/${job.id}/evidence`, dutyA);
    expect(bySession.statusCode).toBe(200);
    expect(bySession.headers["content-type"]).toBe("image/jpeg");
    expect(bySession.rawPayload.equals(fakeJpeg(job.id))).toBe(true);
    expect((await get(view.evidenceUrl)).statusCode).toBe(200);
    const forged = view.evidenceUrl.slice(0, -1) + (view.evidenceUrl.endsWith("0") ? "1" : "0");
    expect((await get(forged)).statusCode).toBe(401);
    // Another alert's token does not open this one.
    const other = await makeAlert(t.redis, A.cameraId, { type: "rodent" });
    await t.app.alertService.intake(other);
    const token = view.evidenceUrl.split("token=")[1];
    expect((await get(`/api/alerts/${other.id}/evidence?token=${token}`)).statusCode).toBe(401);
    // A tampered file is refused, not served.
    const row = await alertRow(job.id);
    writeFileSync(path.join(dataDir, "media", row!.evidence_path!), "tampered");
    expect((await get(`/api/alerts/${job.id}/evidence`, dutyA)).statusCode).toBe(500);
    const audits = await t.db
      .selectFrom("audit_log")
      .select("action")
      .where("target_id", "=", job.id)
      .where("action", "=", "alert.evidence_read")
      .execute();
    expect(audits.length).toBe(2);
  });

  it("serves the undrawn frame under the evidence's rules: own station, signed link, SHA-256, audit; 404 without one", async () => {
    const job = await makeAlert(t.redis, A.cameraId, { type: "frame_served", frame: true });
    await t.app.alertService.intake(job);
    const view = (await get(`/api/alerts/${job.id}`, dutyA)).json();
    expect(view.frameUrl).toMatch(/^\/api\/alerts\/.+\/frame\?token=\d+\.[0-9a-f]{64}$/);
    const url = `/api/alerts/${job.id}/frame`;
    const bySession = await get(url, dutyA);
    expect(bySession.statusCode).toBe(200);
    expect(bySession.headers["content-type"]).toBe("image/jpeg");
    expect(bySession.headers["cache-control"]).toBe("private, max-age=300");
    expect(bySession.headers["x-content-sha256"]).toBe(job.frameSha256);
    expect(bySession.rawPayload.equals(fakeFrame(job.id))).toBe(true);
    expect(bySession.rawPayload.equals(fakeJpeg(job.id))).toBe(false);
    const byLink = await get(view.frameUrl);
    expect(byLink.statusCode).toBe(200);
    expect(byLink.rawPayload.equals(fakeFrame(job.id))).toBe(true);
    // Another station's duty officer, the brigade, nobody: refused as for the evidence.
    expect((await get(url, dutyB)).statusCode).toBe(404);
    expect((await get(url, brigade)).statusCode).toBe(404);
    expect((await get(url)).statusCode).toBe(401);
    const forged = view.frameUrl.slice(0, -1) + (view.frameUrl.endsWith("0") ? "1" : "0");
    expect((await get(forged)).statusCode).toBe(401);
    // An alert without a frame (older alerts, camera_offline): no link, and a 404.
    const plain = await makeAlert(t.redis, A.cameraId, { type: "frame_absent" });
    await t.app.alertService.intake(plain);
    const plainView = (await get(`/api/alerts/${plain.id}`, dutyA)).json();
    expect(plainView.frameUrl).toBeNull();
    expect(plainView.evidenceUrl).not.toBeNull();
    expect((await get(`/api/alerts/${plain.id}/frame`, dutyA)).statusCode).toBe(404);
    // A tampered frame is refused, not served.
    const row = await alertRow(job.id);
    writeFileSync(path.join(dataDir, "media", row!.frame_path!), "tampered");
    expect((await get(url, dutyA)).statusCode).toBe(500);
    const audits = await t.db
      .selectFrom("audit_log")
      .select(["action", "actor_username"])
      .where("target_id", "=", job.id)
      .where("action", "=", "alert.frame_read")
      .orderBy("id")
      .execute();
    expect(audits.map((a) => a.actor_username)).toEqual([`${A.stationCode}.duty`, "signed-link"]);
  });

  it("walks the lifecycle with RBAC, notes, audit rows and alert.updated events", async () => {
    const ws = await WsProbe.open(base, dutyA);
    await ws.waitFor((p) => p.messages.length > 0);
    const job = await makeAlert(t.redis, A.cameraId, { type: "unclean_area" });
    await t.app.alertService.intake(job);
    const url = `/api/alerts/${job.id}`;
    expect((await post(`${url}/acknowledge`, staffA, { note: "seen" })).statusCode).toBe(403);
    expect((await post(`${url}/acknowledge`, dutyA, {})).statusCode).toBe(400);
    expect((await post(`${url}/resolve`, dutyA, {})).statusCode).toBe(409);
    const ack = await post(`${url}/acknowledge`, dutyA, { note: "值班员已查看视频" });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({
      status: "acknowledged",
      ackNote: "值班员已查看视频",
      actions: ["mark_false_positive", "resolve", "open_case"],
    });
    expect((await post(`${url}/acknowledge`, dutyA, { note: "again" })).statusCode).toBe(409);
    const fp = await post(`${url}/false-positive`, dutyA, { note: "影子" });
    expect(fp.json()).toMatchObject({ status: "false_positive", closeNote: "影子", actions: [] });
    await ws.waitFor((p) => p.events("alert.updated").filter((e) => e.payload?.id === job.id).length === 2);
    expect(
      ws
        .events("alert.updated")
        .filter((e) => e.payload?.id === job.id)
        .map((e) => e.payload?.status),
    ).toEqual(["acknowledged", "false_positive"]);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "actor_username", "ip"])
      .where("target_id", "=", job.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      "alert.intake",
      "alert.acknowledge",
      "alert.mark_false_positive",
    ]);
    expect(audit[1]!.actor_username).toBe(`${A.stationCode}.duty`);
    expect(audit[1]!.ip).toBeTruthy();
    await ws.close();
  });

  it("opens a case from alerts inside the caller's transaction (for the case service)", async () => {
    const job = await makeAlert(t.redis, A.cameraId, { type: "no_work_clothes" });
    await t.app.alertService.intake(job);
    const user = await t.db
      .selectFrom("users")
      .select(["id", "username"])
      .where("username", "=", `${A.stationCode}.duty`)
      .executeTakeFirstOrThrow();
    await expect(
      t.app.events.transaction(async (trx) => {
        await t.app.alertService.markCaseOpened(
          trx,
          { id: user.id, username: user.username },
          [job.id],
          "00000000-0000-4000-8000-000000000000",
        );
        throw new Error("the case insert failed");
      }),
    ).rejects.toThrow("the case insert failed");
    expect((await alertRow(job.id))!.status).toBe("new");
    await t.app.events.transaction((trx) =>
      t.app.alertService.markCaseOpened(
        trx,
        { id: user.id, username: user.username },
        [job.id],
        "00000000-0000-4000-8000-000000000000",
      ),
    );
    expect(await alertRow(job.id)).toMatchObject({ status: "case_opened", acknowledged_by: user.id });
  });

  it("escalates an alert not acknowledged within its grade's limit, and not one that was", async () => {
    const ws = await WsProbe.open(base, admin);
    await ws.waitFor((p) => p.messages.length > 0);
    const late = await makeAlert(t.redis, B.cameraId, { type: "no_hat", evidence: false });
    const handled = await makeAlert(t.redis, A.cameraId, { type: "no_hat", evidence: false });
    await t.db.updateTable("alerts").set({ status: "resolved" }).where("type", "=", "no_hat").execute();
    await producer.add(late);
    await producer.add(handled);
    await waitUntil(async () => (await alertRow(handled.id)) !== undefined, 10_000, "intake");
    expect((await post(`/api/alerts/${handled.id}/acknowledge`, dutyA, { note: "on it" })).statusCode).toBe(
      200,
    );
    await waitUntil(async () => (await alertRow(late.id))?.escalated_at != null, 15_000, "escalation");
    await ws.waitFor((p) =>
      p.events("alert.updated").some((e) => e.payload?.id === late.id && e.payload?.action === "escalate"),
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect((await alertRow(handled.id))!.escalated_at).toBeNull();
    expect((await alertRow(late.id))!.status).toBe("new");
    const view = (await get(`/api/alerts?escalated=true&pageSize=200`, admin)).json();
    expect(view.items.map((a: { id: string }) => a.id)).toContain(late.id);
    const audit = await t.db
      .selectFrom("audit_log")
      .select("action")
      .where("target_id", "=", late.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain("alert.escalate");
    await ws.close();
  });

  it("replays missed events after a reconnection with since: all, in order, once; then live", async () => {
    const ws1 = await WsProbe.open(base, dutyA);
    await ws1.waitFor((p) => p.messages[0]?.type === "hello");
    const since = ws1.lastSeq();
    await ws1.close();
    const jobs = await Promise.all(
      ["rodent", "smoking", "no_gloves", "unclean_area", "phone_use"].map((type) =>
        makeAlert(t.redis, A.cameraId, { type: type as never, evidence: false }),
      ),
    );
    await t.db
      .updateTable("alerts")
      .set({ status: "resolved" })
      .where("camera_id", "=", A.cameraId)
      .execute();
    const bJob = await makeAlert(t.redis, B.cameraId, { type: "rodent", evidence: false });
    for (const j of [...jobs.slice(0, 2), bJob, ...jobs.slice(2)]) await producer.add(j);
    await waitUntil(
      async () => (await alertRow(jobs[4]!.id)) !== undefined && (await alertRow(bJob.id)) !== undefined,
      10_000,
    );
    await t.app.events.flush();

    const ws2 = await WsProbe.open(base, dutyA, since);
    await ws2.waitFor((p) => p.messages.some((m) => m.type === "synced"));
    // The intake runs jobs in parallel: the order is the log's (seq), checked below.
    const created = ws2.events("alert.created").map((e) => e.payload?.id);
    expect([...created].sort()).toEqual(jobs.map((j) => j.id).sort());
    const seqs = ws2.events().map((e) => BigInt(e.seq!));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(ws2.events().every((e) => e.stationId === A.stationId)).toBe(true);

    const live = await makeAlert(t.redis, A.cameraId, { type: "no_work_clothes", evidence: false });
    await t.db
      .updateTable("alerts")
      .set({ status: "resolved" })
      .where("type", "=", "no_work_clothes")
      .execute();
    await producer.add(live);
    await ws2.waitFor((p) => p.events("alert.created").some((e) => e.payload?.id === live.id));
    expect(ws2.events("alert.created").filter((e) => e.payload?.id === live.id)).toHaveLength(1);
    await ws2.close();
  });

  it("disconnects a client that does not read, without holding up the others", async () => {
    const slow = await WsProbe.open(base, dutyA);
    const fast = await WsProbe.open(base, dutyA);
    await slow.waitFor((p) => p.messages.length > 0);
    await fast.waitFor((p) => p.messages.length > 0);
    await waitUntil(() => t.app.wsHub.size === 2, 10_000, "earlier consoles gone");
    // The slow console stops reading: the kernel buffers fill, then the server's queue passes the limit.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // Loopback TCP buffers here can hold tens of MB (net.ipv4.tcp_rmem max): large events fill them.
    const pad = "x".repeat(64 * 1024);
    const flood = () => fast.events("alert.updated").filter((e) => e.payload?.test === "flood").length;
    let sent = 0;
    // Batches of 640 KB, under the 2 MB limit: the fast console (in this same process) reads each batch before the next.
    const before = { ...t.app.wsHub.stats };
    for (let batch = 0; batch < 150 && t.app.wsHub.size > 1; batch++) {
      for (let i = 0; i < 10; i++) {
        await t.app.events.publish(t.db, "alert.updated", A.stationId, { test: "flood", i: sent++, pad });
      }
      await t.app.events.flush();
      await fast.waitFor(() => flood() === sent, 10_000);
    }
    // Dropped for its queue, or (on a loaded machine, first) for not answering the heartbeat pings.
    const s = t.app.wsHub.stats;
    expect(s.droppedSlow - before.droppedSlow + (s.droppedSilent - before.droppedSilent)).toBe(1);
    expect(fast.closeCode).toBeNull();
    expect(flood()).toBe(sent);
    // The fast console got every one, in order.
    const idx = fast
      .events("alert.updated")
      .filter((e) => e.payload?.test === "flood")
      .map((e) => e.payload?.i);
    expect(idx).toEqual([...Array(sent).keys()]);
    await fast.close();
    slow.socket.terminate();
  });

  it("raises camera_offline for a camera down N working minutes, and resolves it when back", async () => {
    // The workshop works around the clock (no hours recorded): the rule applies now.
    await t.db.updateTable("workshops").set({ working_hours: null }).where("id", "=", A.workshopId).execute();
    const status = (s: "online" | "offline", since: Date) =>
      JSON.stringify({
        cameraId: A.cameraId,
        status: s,
        state: s === "online" ? "live" : "backoff",
        fps: null,
        bitrateKbps: null,
        lastFrameAt: null,
        lastError: s === "online" ? null : "connection refused",
        since: since.toISOString(),
        restarts: 3,
        updatedAt: new Date().toISOString(),
      });
    const channel = `${t.redis.options.keyPrefix}${REDIS_KEYS.cameraStatusChannel}`;
    const ws = await WsProbe.open(base, dutyA);
    await ws.waitFor((p) => p.messages.length > 0);
    await t.redis.publish(channel, status("online", new Date()));
    // Down for 3 minutes: not yet.
    await t.redis.publish(channel, status("offline", new Date(Date.now() - 3 * 60_000)));
    await new Promise((r) => setTimeout(r, 1500));
    const offline = () =>
      t.db
        .selectFrom("alerts")
        .selectAll()
        .where("camera_id", "=", A.cameraId)
        .where("type", "=", "camera_offline")
        .execute();
    expect(await offline()).toHaveLength(0);
    // Down since 20 minutes.
    await t.redis.publish(channel, status("online", new Date()));
    await t.redis.publish(channel, status("offline", new Date(Date.now() - 20 * 60_000)));
    await waitUntil(async () => (await offline()).length === 1, 10_000, "camera_offline alert");
    await new Promise((r) => setTimeout(r, 1000));
    expect(await offline()).toHaveLength(1); // swept again: still one
    await ws.waitFor((p) => p.events("alert.created").some((e) => e.payload?.type === "camera_offline"));
    expect(ws.events("camera.status").length).toBeGreaterThan(0);
    await t.redis.publish(channel, status("online", new Date()));
    await waitUntil(async () => (await offline())[0]!.status === "resolved", 10_000, "auto resolve");
    expect((await offline())[0]!.close_note).toBe("摄像头已恢复在线");
    await ws.close();
  });
});
