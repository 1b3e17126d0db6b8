/**
 * Event clips with the real parts: ffmpeg writing a camera's live HLS in real time (the ingest's flags),
 * the alert pipeline (queue → intake → afterCommit), the clip worker's delayed job, ffmpeg cutting the MP4,
 * the routes (RBAC, signed URL, ranges, hash check, audit).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type HlsProducer, startHlsProducer } from "../../../../test/recordings/hls-producer.js";
import {
  alertProducer,
  camerasOfTwoStations,
  insertAlertRow,
  makeAlert,
  type StationCamera,
  waitUntil,
} from "../../../../test/support/alert-fixtures.js";
import { backends, buildTestApp, type TestApp } from "../../../../test/support/harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const ffprobeDuration = (file: string) =>
  Number(
    execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file])
      .toString()
      .trim(),
  );

describe("event clips", () => {
  let t: TestApp;
  let dataDir: string;
  let producer: ReturnType<typeof alertProducer>;
  let A: StationCamera;
  let B: StationCamera;
  /** Cameras of A's station: a recording one, one that goes offline mid-clip, one with no video. */
  let cams: number[];
  let dutyA: string;
  let dutyB: string;
  let admin: string;
  const hls: HlsProducer[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "mf-clips-"));
    t = await buildTestApp({
      backend: backends().at(-1),
      env: { DATA_DIR: dataDir, CLIP_PRE_SECONDS: "2", CLIP_POST_SECONDS: "3" },
      alerts: { sweepMs: 500, cooldownMinutes: 10 },
    });
    producer = alertProducer(t.redis);
    [A, B] = await camerasOfTwoStations(t.db);
    const rows = await t.db
      .selectFrom("cameras as c")
      .innerJoin("workshops as w", "w.id", "c.workshop_id")
      .select("c.id")
      .where("w.station_id", "=", A.stationId)
      .where("c.id", "<>", A.cameraId)
      .orderBy("c.id")
      .limit(4)
      .execute();
    cams = rows.map((r) => r.id);
    dutyA = await t.login(`${A.stationCode}.duty`);
    dutyB = await t.login(`${B.stationCode}.duty`);
    admin = await t.login("admin");
    hls.push(startHlsProducer(path.join(dataDir, "media", "hls"), A.cameraId));
    await hls[0]!.waitSegments(3);
  });
  afterAll(async () => {
    for (const h of hls) await h.stop();
    await producer?.close();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string, cookie?: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: "GET", url, headers: { ...headers, ...(cookie ? { cookie } : {}) } });
  const clipRow = (id: string) =>
    t.db.selectFrom("alert_clips").selectAll().where("alert_id", "=", id).executeTakeFirst();
  const settled = async (id: string, ms = 60_000) => {
    await waitUntil(
      async () => !["pending", undefined].includes((await clipRow(id))?.status),
      ms,
      `clip of ${id}`,
    );
    return (await clipRow(id))!;
  };

  it("cuts a ready clip from the live segments once the window has passed, and serves it signed", async () => {
    const job = await makeAlert(t.redis, A.cameraId);
    await producer.add(job);
    await waitUntil(async () => (await clipRow(job.id)) !== undefined, 15_000, "the pending clip row");
    const pending = (await clipRow(job.id))!;
    expect(pending.status).toBe("pending");
    const at = new Date(job.capturedAt).getTime();
    expect(new Date(pending.requested_from).getTime()).toBe(at - 2000);
    expect(new Date(pending.requested_to).getTime()).toBe(at + 3000);
    const pendingView = await get(`/api/alerts/${job.id}/clip`, dutyA);
    expect(pendingView.json()).toMatchObject({ status: "pending", url: null });

    const row = await settled(job.id);
    expect(row.status).toBe("ready");
    expect(new Date(row.started_at!).getTime()).toBeLessThanOrEqual(at - 2000 + 1000);
    expect(new Date(row.ended_at!).getTime()).toBeGreaterThanOrEqual(at + 3000 - 1000);
    expect(row.path).toMatch(new RegExp(`^clips/${A.stationId}/\\d{4}-\\d{2}/${job.id}\\.mp4$`));
    const file = path.join(dataDir, "media", row.path!);
    const bytes = readFileSync(file);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(row.sha256);
    expect(Number(row.bytes)).toBe(bytes.length);
    const seconds = ffprobeDuration(file);
    expect(seconds).toBeGreaterThanOrEqual(4);
    expect(seconds).toBeLessThanOrEqual(8);

    // The view: the other station's duty officer gets 404, the own one a signed URL (audited).
    expect((await get(`/api/alerts/${job.id}/clip`, dutyB)).statusCode).toBe(404);
    const res = await get(`/api/alerts/${job.id}/clip`, dutyA);
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({ alertId: job.id, status: "ready", sha256: row.sha256, purged: false });
    expect(view.url).toMatch(new RegExp(`^/media/clips/${job.id}\\.mp4\\?token=`));
    const audit = await t.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "alert.clip.view")
      .where("target_id", "=", job.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_username).toBe(`${A.stationCode}.duty`);

    // The MP4: whole, a range, a download; no token or a forged one is refused.
    const whole = await get(view.url);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers["content-type"]).toBe("video/mp4");
    expect(whole.headers["x-content-type-options"]).toBe("nosniff");
    expect(whole.headers["accept-ranges"]).toBe("bytes");
    expect(whole.rawPayload.equals(bytes)).toBe(true);
    const part = await get(view.url, undefined, { range: "bytes=100-199" });
    expect(part.statusCode).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 100-199/${bytes.length}`);
    expect(part.rawPayload.equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await get(view.url, undefined, { range: "bytes=-10" });
    expect(tail.rawPayload.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    expect((await get(view.url, undefined, { range: `bytes=${bytes.length}-` })).statusCode).toBe(416);
    const dl = await get(`${view.url}&download=1`, admin);
    expect(dl.headers["content-disposition"]).toBe(`attachment; filename="alert-${job.id}.mp4"`);
    // A further range of the same download, or a HEAD, writes no second audit row.
    await get(`${view.url}&download=1`, admin, { range: "bytes=0-99" });
    await t.app.inject({ method: "HEAD", url: `${view.url}&download=1` });
    const downloads = await t.db
      .selectFrom("audit_log")
      .select("id")
      .where("action", "=", "alert.clip.download")
      .where("target_id", "=", job.id)
      .execute();
    expect(downloads).toHaveLength(1);
    // Counted in the metrics: the outcome and the time of the cut.
    const metrics = (await t.app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/mingfang_clips_total\{status="ready"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/mingfang_clip_cut_seconds_count(\{[^}]*\})? [1-9]/);
    expect((await get(`/media/clips/${job.id}.mp4`)).statusCode).toBe(403);
    expect((await get(view.url.replace(/token=\d+\./, "token=1."))).statusCode).toBe(403);
    const otherId = crypto.randomUUID();
    expect((await get(view.url.replace(job.id, otherId))).statusCode).toBe(403);
    expect((await get(`/media/clips/..%2F..%2Fetc%2Fpasswd?token=1`)).statusCode).toBe(400);

    // Every read is checked against the SHA-256: a changed byte is a clear 409, a lost file a 410.
    const changed = Buffer.from(bytes);
    changed[changed.length - 1] = changed[changed.length - 1]! ^ 0xff;
    writeFileSync(file, changed);
    const bad = await get(view.url);
    expect(bad.statusCode).toBe(409);
    expect(bad.json().error).toBe("clip_corrupt");
    unlinkSync(file);
    const gone = await get(view.url);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().error).toBe("clip_missing");
  });

  it("marks a clip partial when the camera stops mid-window, missing when there is no video", async () => {
    const [offline, novideo] = cams as [number, number];
    const h = startHlsProducer(path.join(dataDir, "media", "hls"), offline, { seconds: 5 });
    hls.push(h);
    await h.waitSegments(3);
    // The camera stops about 1–2 s after the alert; the window runs 3 s after it.
    const job = await makeAlert(t.redis, offline);
    const none = await makeAlert(t.redis, novideo);
    await producer.add(job);
    await producer.add(none);
    const row = await settled(job.id);
    expect(row.status).toBe("partial");
    expect(new Date(row.ended_at!).getTime()).toBeLessThan(new Date(row.requested_to).getTime() - 500);
    expect(ffprobeDuration(path.join(dataDir, "media", row.path!))).toBeGreaterThan(1);
    const view = (await get(`/api/alerts/${job.id}/clip`, dutyA)).json();
    expect(view.status).toBe("partial");
    expect((await get(view.url)).statusCode).toBe(200);

    const missing = await settled(none.id);
    expect(missing).toMatchObject({ status: "missing", path: null, sha256: null });
    expect((await get(`/api/alerts/${none.id}/clip`, dutyA)).json()).toMatchObject({
      status: "missing",
      url: null,
    });
  });

  it("gives no clip to a folded alert, a camera_offline alert or a camera that does not record", async () => {
    const [, , off, offlineCam] = cams as [number, number, number, number];
    const first = await makeAlert(t.redis, A.cameraId, { type: "no_gloves" });
    await producer.add(first);
    await waitUntil(async () => (await clipRow(first.id)) !== undefined, 15_000, "the first clip row");
    const folded = await makeAlert(t.redis, A.cameraId, { type: "no_gloves" });
    await producer.add(folded);
    await waitUntil(
      async () =>
        (await t.db
          .selectFrom("alert_folds")
          .select("job_id")
          .where("job_id", "=", folded.id)
          .executeTakeFirst()) !== undefined,
      15_000,
      "the fold",
    );
    await t.db.updateTable("cameras").set({ recording_policy: "off" }).where("id", "=", off).execute();
    const unrecorded = await makeAlert(t.redis, off);
    const offlineAlert = await makeAlert(t.redis, offlineCam, { type: "camera_offline", evidence: false });
    await producer.add(unrecorded);
    await producer.add(offlineAlert);
    await waitUntil(
      async () =>
        (
          await t.db
            .selectFrom("alerts")
            .select("id")
            .where("id", "in", [unrecorded.id, offlineAlert.id])
            .execute()
        ).length === 2,
      15_000,
      "both alerts",
    );
    await t.app.clipService.sweep();
    for (const id of [folded.id, unrecorded.id, offlineAlert.id]) expect(await clipRow(id)).toBeUndefined();
    expect((await get(`/api/alerts/${unrecorded.id}/clip`, dutyA)).json()).toMatchObject({
      error: "not_found",
    });
  });

  it("the sweep gives a clip to an alert that never got one, and re-queues a pending clip whose job was lost", async () => {
    const at = new Date();
    await insertAlertRow(t.db, {
      cameraId: A.cameraId,
      stationId: A.stationId,
      type: "no_hat",
      at,
      ackAfterS: null,
    });
    const orphan = await t.db
      .selectFrom("alerts")
      .select("id")
      .where("camera_id", "=", A.cameraId)
      .where("created_at", "=", at)
      .executeTakeFirstOrThrow();
    expect(await clipRow(orphan.id)).toBeUndefined();
    await t.app.clipService.sweep();
    expect((await clipRow(orphan.id))?.status).toBe("pending");
    // Redis loses the delayed job: the sweep, once the row is past due, adds it again.
    const { Queue } = await import("bullmq");
    const { queueConnection, queuePrefix } = await import("../queues/queue-connections.js");
    const conn = queueConnection(t.redis);
    const q = new Queue("clips", { connection: conn, prefix: queuePrefix(t.redis) });
    expect(await q.getJob(`clip-${orphan.id}`)).toBeDefined();
    await q.remove(`clip-${orphan.id}`);
    expect(await q.getJob(`clip-${orphan.id}`)).toBeUndefined();
    await t.app.clipService.sweep(new Date(Date.now() + 120_000));
    expect(await q.getJob(`clip-${orphan.id}`)).toBeDefined();
    await q.close();
    conn.disconnect();
    const row = await settled(orphan.id);
    expect(row.status).toBe("ready");
  });
});
