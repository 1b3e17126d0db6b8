/**
 * A case's archive over HTTP on the real app (PGlite, the run's Redis, files on disk, a real ffmpeg clip):
 * what is in it, what is listed as missing and why, the page, `unzip` + `sha256sum -c`, RBAC (another
 * station → 404, the brigade only once the case is handed to it) and the audit row.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  camerasOfTwoStations,
  type StationCamera,
  waitUntil,
} from "../../../../test/support/alert-fixtures.js";
import { type ArchiveCase, makeArchiveCase, sha256 } from "../../../../test/support/case-archive-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import type { CaseRow } from "./case.repository.js";
import { type ArchiveManifest, writeCaseArchive } from "./case-archive.js";
import type { ArchiveAlertRow } from "./case-archive.repository.js";

const run = promisify(execFile);

let t: TestApp;
let dir: string;
let A: StationCamera;
let B: StationCamera;
let kase: ArchiveCase;
const cookies: Record<string, string> = {};

const get = (user: string, url: string) =>
  t.app.inject({ method: "GET", url, headers: { cookie: cookies[user]! } });

/** Every file under `root`, relative, sorted. */
function walk(root: string, rel = ""): string[] {
  return readdirSync(path.join(root, rel))
    .flatMap((n) => {
      const r = rel ? `${rel}/${n}` : n;
      return statSync(path.join(root, r)).isDirectory() ? walk(root, r) : [r];
    })
    .sort();
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mingfang-archive-"));
  t = await buildTestApp({
    env: { DATA_DIR: dir },
    alerts: { workers: false, cooldownMinutes: 0 },
    recordings: { workers: false },
  });
  [A, B] = await camerasOfTwoStations(t.db);
  for (const u of [`${A.stationCode}.duty`, `${B.stationCode}.duty`, "brigade", "admin"])
    cookies[u] = await t.login(u);
  kase = await makeArchiveCase(t, A, cookies[`${A.stationCode}.duty`]!, path.join(dir, "media"));
}, 120_000);

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /api/cases/:id/archive", () => {
  it("is a ZIP that unzip opens and sha256sum -c accepts, with the case's page, evidence, clip, photos and manifest", async () => {
    const res = await get("admin", `/api/cases/${kase.caseId}/archive`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toBe("application/zip");
    expect(res.headers["content-disposition"]).toContain(`filename="case-${kase.code}.zip"`);
    expect(res.headers["content-disposition"]).toContain(encodeURIComponent(`案卷-${kase.code}.zip`));
    const zip = path.join(dir, "case.zip");
    writeFileSync(zip, res.rawPayload);
    const out = path.join(dir, "unzipped");
    await run("unzip", ["-q", zip, "-d", out]);
    const [a1, a2] = kase.alertIds;
    expect(walk(out)).toEqual(
      [
        "SHA256SUMS",
        "case.html",
        "manifest.json",
        `alerts/${a1}/clip.mp4`,
        `alerts/${a1}/evidence.jpg`,
        `alerts/${a1}/frame.jpg`,
        `alerts/${a2}/evidence.jpg`,
        "photos/01-on_site.jpg",
        "photos/02-rectification.png",
      ].sort(),
    );
    const check = await run("sha256sum", ["-c", "SHA256SUMS"], { cwd: out });
    expect(check.stdout.trim().split("\n")).toHaveLength(8);
    expect(check.stdout).not.toMatch(/FAILED/);
    expect(readFileSync(path.join(out, `alerts/${a1}/clip.mp4`)).equals(kase.clip)).toBe(true);
  });

  it("lists every file with its size, SHA-256 and what it is, and what is missing with the reason", async () => {
    const out = path.join(dir, "unzipped");
    const m = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as ArchiveManifest;
    const [a1, a2, a3] = kase.alertIds;
    expect(m.format).toBe("mingfang-case-archive/1");
    expect(m.case).toMatchObject({ id: kase.caseId, code: kase.code, state: "rectification_ordered" });
    expect(m.generatedBy.username).toBe("admin");
    expect(Date.now() - Date.parse(m.generatedAt)).toBeLessThan(120_000);
    expect(m.files.map((f) => f.path)).toContain("case.html");
    for (const f of m.files) {
      const bytes = readFileSync(path.join(out, f.path));
      expect(f.bytes).toBe(bytes.length);
      expect(f.sha256).toBe(sha256(bytes));
      if (f.storedSha256) expect(f.storedSha256).toBe(f.sha256);
      expect(f.description).toBeTruthy();
    }
    const clip = m.files.find((f) => f.path === `alerts/${a1}/clip.mp4`)!;
    expect(clip).toMatchObject({ kind: "clip", alertId: a1, storedSha256: sha256(kase.clip) });
    const why = Object.fromEntries(m.missing.map((x) => [x.path, x.reason]));
    expect(why).toEqual({
      [`alerts/${a2}/clip.mp4`]: "clip_failed",
      [`alerts/${a3}/evidence.jpg`]: "hash_mismatch",
      [`alerts/${a3}/clip.mp4`]: "purged",
      "photos/03-rectification.jpg": "purged",
    });
    expect(m.missing.find((x) => x.reason === "clip_failed")!.detail).toContain("ffmpeg");
    const sums = readFileSync(path.join(out, "SHA256SUMS"), "utf8");
    expect(sums).toContain(`${sha256(readFileSync(path.join(out, "manifest.json")))}  manifest.json\n`);
  });

  it("has a printable Chinese page with the case, its timeline, the rectification text and relative links only", async () => {
    const html = readFileSync(path.join(dir, "unzipped", "case.html"), "utf8");
    const [a1, , a3] = kase.alertIds;
    expect(html).toContain(kase.code);
    expect(html).toContain("@page { size: A4");
    for (const text of [
      "派单",
      "到场签到",
      "责令整改",
      "责令三日内整改：配发工作帽",
      "未戴工作帽",
      "吸烟",
      "现场照片",
    ])
      expect(html).toContain(text);
    expect(html).toContain(`<img src="alerts/${a1}/evidence.jpg"`);
    expect(html).toContain(`<a href="alerts/${a1}/clip.mp4">`);
    expect(html).toContain(`<img src="photos/02-rectification.png"`);
    expect(html).toContain(`alerts/${a3}/evidence.jpg：文件与登记的 SHA-256 不符`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script|<link /);
  });

  it("is for whoever may read the case: another station's user and the brigade (not handed over) get 404", async () => {
    const url = `/api/cases/${kase.caseId}/archive`;
    expect((await get(`${B.stationCode}.duty`, url)).statusCode).toBe(404);
    expect((await get("brigade", url)).statusCode).toBe(404);
    expect((await get(`${A.stationCode}.duty`, url)).statusCode).toBe(200);
    const hand = await t.app.inject({
      method: "POST",
      url: `/api/cases/${kase.caseId}/assignment`,
      headers: { cookie: cookies[`${A.stationCode}.duty`]! },
      payload: { brigade: true },
    });
    expect(hand.statusCode, hand.body).toBe(200);
    const brigade = await get("brigade", url);
    expect(brigade.statusCode).toBe(200);
    expect(brigade.rawPayload.subarray(0, 4).toString("hex")).toBe("504b0304");
    const missing = await get("admin", "/api/cases/00000000-0000-4000-8000-000000000000/archive");
    expect(missing.statusCode).toBe(404);
    const bad = await get("admin", "/api/cases/not-a-uuid/archive");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe("id");
    expect((await t.app.inject({ method: "GET", url })).statusCode).toBe(401);
  });

  it("writes case.export to the audit log for each export, with who and from where", async () => {
    const rows = await t.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "case.export")
      .where("target_id", "=", kase.caseId)
      .orderBy("id")
      .execute();
    expect(rows.map((r) => r.actor_username)).toEqual(["admin", `${A.stationCode}.duty`, "brigade"]);
    expect(rows.every((r) => r.ip && r.station_id === A.stationId)).toBe(true);
  });
});

describe("a reader that goes away", () => {
  it("stops the export and closes the file it was reading", async () => {
    // The first alert's clip becomes 48 MB: far more than the sockets buffer.
    const rel = "clips/large.mp4";
    const file = path.join(dir, "media", rel);
    const hash = createHash("sha256");
    const fd = openSync(file, "w");
    for (let i = 0; i < 48; i++) {
      const mb = randomBytes(1024 * 1024);
      hash.update(mb);
      writeSync(fd, mb);
    }
    closeSync(fd);
    await t.db
      .updateTable("alert_clips")
      .set({ path: rel, sha256: hash.digest("hex"), bytes: 48 * 1024 * 1024 })
      .where("alert_id", "=", kase.alertIds[0])
      .execute();
    const url = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const got = await new Promise<number>((resolve, reject) => {
      const req = http.get(
        `${url}/api/cases/${kase.caseId}/archive`,
        { headers: { cookie: cookies.admin! } },
        (res) => {
          res.once("data", (chunk: Buffer) => {
            req.destroy();
            resolve(chunk.length);
          });
        },
      );
      req.on("error", (err) => {
        if (!req.destroyed) reject(err);
      });
    });
    expect(got).toBeGreaterThan(0);
    await waitUntil(
      () => t.logs.some((l) => l.includes("case archive export stopped midway")),
      30_000,
      "the stop",
    );
    const open = () =>
      readdirSync("/proc/self/fd").filter((n) => {
        try {
          return readlinkSync(`/proc/self/fd/${n}`) === file;
        } catch {
          return false;
        }
      });
    await waitUntil(() => open().length === 0, 30_000, "the clip's file closed");
  });
});

describe("writeCaseArchive streams", () => {
  it("writes a 128 MB clip through a slow reader without holding it in memory", async () => {
    const media = path.join(dir, "big-media");
    const rel = "clips/big.mp4";
    mkdirSync(path.join(media, "clips"), { recursive: true });
    const hash = createHash("sha256");
    const fd = openSync(path.join(media, rel), "w");
    for (let i = 0; i < 128; i++) {
      const mb = randomBytes(1024 * 1024);
      hash.update(mb);
      writeSync(fd, mb);
    }
    closeSync(fd);
    const alertId = randomUUID();
    const alert = {
      id: alertId,
      type: "no_hat",
      grade: 2,
      status: "case_opened",
      confidence: 0.9,
      captured_at: new Date(),
      evidence_path: null,
      evidence_sha256: null,
      frame_path: null,
      frame_sha256: null,
      evidence_purged_at: null,
      ack_note: null,
      close_note: null,
      camera_name: "cam",
      camera_area: "加工车间",
      clip_status: "ready",
      clip_path: rel,
      clip_sha256: hash.digest("hex"),
      clip_from: null,
      clip_to: null,
      clip_error: null,
      clip_purged_at: null,
    } as ArchiveAlertRow;
    // An alert whose evidence file is gone and that never had a clip.
    const gone = {
      ...alert,
      id: randomUUID(),
      evidence_path: "evidence/1/2026-12/gone.jpg",
      evidence_sha256: "0".repeat(64),
      clip_status: null,
      clip_path: null,
      clip_sha256: null,
    } as ArchiveAlertRow;
    const c = {
      id: randomUUID(),
      code: "2026-test-0001",
      title: "大文件",
      station_name: "明水所",
      workshop_name: null,
      state: "open",
    } as unknown as CaseRow;
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let written = 0;
    // A reader slower than the disk: each chunk is taken on a later turn of the event loop.
    const out = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
        setImmediate(cb);
      },
    });
    const finished = new Promise((resolve) => out.on("finish", resolve));
    const m = await writeCaseArchive(
      {
        mediaRoot: media,
        c,
        events: [],
        alerts: [alert, gone],
        photos: [],
        generatedBy: { id: 1, username: "admin", displayName: "管理员" },
        now: new Date(),
      },
      out,
    );
    await finished;
    expect(m.files.find((f) => f.kind === "clip")!.bytes).toBe(128 * 1024 * 1024);
    expect(Object.fromEntries(m.missing.map((x) => [x.path, x.reason]))).toEqual({
      [`alerts/${alertId}/evidence.jpg`]: "no_evidence",
      [`alerts/${gone.id}/clip.mp4`]: "no_clip",
      [`alerts/${gone.id}/evidence.jpg`]: "not_on_disk",
    });
    expect(written).toBeGreaterThan(128 * 1024 * 1024);
    // Bounded by what the garbage collector has not yet taken (about 30 MB measured with a 64 MB clip and with
    // a 160 MB one alike), not by the clip: half of it is far above that.
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });
});
