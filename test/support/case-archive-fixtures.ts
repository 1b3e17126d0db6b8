/**
 * A case worth archiving, built through the real API (docs/recordings.md "Case archives"): three alerts of
 * one camera with their evidence on disk (the first also with its undrawn frame and a real MP4 clip made
 * with ffmpeg and registered in `alert_clips`, the second with a failed clip, the third with evidence that
 * no longer matches its SHA-256 and a purged clip), a rectification order with its text, and three photos
 * (the last one purged by retention).
 */
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { fakeJpeg, makeAlert, type StationCamera } from "./alert-fixtures.js";
import type { TestApp } from "./harness.js";

const run = promisify(execFile);

/** A tiny valid PNG (1×1). */
export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A real H.264 MP4 of `seconds` (test pattern), as an event clip would be. */
export async function makeClipFile(file: string, seconds = 4): Promise<Buffer> {
  mkdirSync(path.dirname(file), { recursive: true });
  await run("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi"],
    ...["-i", `testsrc=size=320x240:rate=25`, "-t", String(seconds)],
    ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-y", file],
  ]);
  return readFileSync(file);
}

function multipart(fileName: string, bytes: Buffer, type: string) {
  const boundary = `----mingfang${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload: body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

export interface ArchiveCase {
  caseId: string;
  code: string;
  /** In capture order: [with clip, failed clip, tampered evidence]. */
  alertIds: [string, string, string];
  clip: Buffer;
  photoIds: string[];
}

async function alertsWithMedia(t: TestApp, cam: StationCamera, mediaRoot: string) {
  const ids: string[] = [];
  const base = Date.now() - 60_000;
  for (const [i, type] of ["no_hat", "no_gloves", "smoking"].entries()) {
    const job = await makeAlert(t.redis, cam.cameraId, {
      type,
      frame: i === 0,
      capturedAt: new Date(base + i * 1000).toISOString(),
    });
    expect((await t.app.alertService.intake(job)).outcome).toBe("created");
    ids.push(job.id);
  }
  const [withClip, failed, tampered] = ids as [string, string, string];
  const clipRel = `clips/${cam.stationId}/${withClip}.mp4`;
  const clip = await makeClipFile(path.join(mediaRoot, clipRel));
  const at = new Date(base);
  const row = (alertId: string) => ({
    alert_id: alertId,
    camera_id: cam.cameraId,
    requested_from: new Date(at.getTime() - 10_000),
    requested_to: new Date(at.getTime() + 20_000),
  });
  // Intake gave each alert its pending clip (the clip workers are off in these tests): replace them.
  await t.db.deleteFrom("alert_clips").where("alert_id", "in", ids).execute();
  await t.db
    .insertInto("alert_clips")
    .values([
      {
        ...row(withClip),
        status: "ready",
        started_at: new Date(at.getTime() - 10_000),
        ended_at: new Date(at.getTime() - 6_000),
        path: clipRel,
        sha256: sha256(clip),
        bytes: clip.length,
      },
      { ...row(failed), status: "failed", error: "ffmpeg exited with code 1" },
      {
        ...row(tampered),
        status: "ready",
        path: "clips/gone.mp4",
        sha256: "0".repeat(64),
        purged_at: new Date(),
      },
    ])
    .execute();
  // The third alert's evidence changes on disk after it was stored.
  const ev = await t.db
    .selectFrom("alerts")
    .select("evidence_path")
    .where("id", "=", tampered)
    .executeTakeFirstOrThrow();
  writeFileSync(path.join(mediaRoot, ev.evidence_path!), fakeJpeg("someone else's picture"));
  return { ids: ids as [string, string, string], clip };
}

/** The case, opened and worked by the station's duty officer (`duty`: its cookie). */
export async function makeArchiveCase(
  t: TestApp,
  cam: StationCamera,
  duty: string,
  mediaRoot: string,
): Promise<ArchiveCase> {
  const { ids, clip } = await alertsWithMedia(t, cam, mediaRoot);
  const req = (url: string, payload: object) =>
    t.app.inject({ method: "POST", url, headers: { cookie: duty }, payload });
  const opened = await req("/api/cases", { alertIds: ids, note: "值班发现三处违规" });
  expect(opened.statusCode, opened.body).toBe(201);
  const c = opened.json() as { id: string; code: string };
  const due = new Date(Date.now() + 3 * 86400_000).toISOString();
  for (const body of [
    { transition: "dispatch", note: "派张三到场" },
    { transition: "check_in", note: "已到场" },
    {
      transition: "order_rectification",
      note: "责令三日内整改：配发工作帽、手套，张贴禁烟标识。",
      rectificationDueAt: due,
    },
  ]) {
    const r = await req(`/api/cases/${c.id}/transitions`, body);
    expect(r.statusCode, r.body).toBe(200);
  }
  const photoIds: string[] = [];
  for (const [kind, name, bytes, type] of [
    ["on_site", "现场.jpg", fakeJpeg(`on-site ${randomUUID()}`), "image/jpeg"],
    ["rectification", "整改后.png", PNG, "image/png"],
    ["rectification", "old.jpg", fakeJpeg(`old ${randomUUID()}`), "image/jpeg"],
  ] as const) {
    const form = multipart(name, bytes, type);
    const r = await t.app.inject({
      method: "POST",
      url: `/api/cases/${c.id}/attachments?kind=${kind}`,
      payload: form.payload,
      headers: { ...form.headers, cookie: duty },
    });
    expect(r.statusCode, r.body).toBe(201);
    photoIds.push((r.json() as { id: string }).id);
  }
  await t.db
    .updateTable("case_attachments")
    .set({ purged_at: new Date() })
    .where("id", "=", photoIds[2]!)
    .execute();
  return { caseId: c.id, code: c.code, alertIds: ids, clip, photoIds };
}
