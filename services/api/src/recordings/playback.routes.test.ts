/**
 * Playback over HTTP with real recording (chunk files made by ffmpeg, test/support/recording-fixture.ts):
 * the day view, signed links and their audit, the VOD playlist, byte ranges of chunks, the MP4 download.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { type MadeChunk, recordSpans } from "../../../../test/support/recording-fixture.js";

const run = promisify(execFile);
/** 2026-12-06 in Asia/Shanghai starts at 2026-12-05T16:00Z. */
const DAY = "2026-12-06";
const NINE = Date.parse("2026-12-06T01:00:00Z"); // 09:00 local
const tmpLeftovers = () => readdirSync(tmpdir()).filter((n) => n.startsWith("mingfang-rec-"));

describe.each(backends())(
  "playback on %s: day view, signed links, VOD playlist, chunk ranges, MP4 download",
  (backend) => {
    let t: TestApp;
    let dataDir: string;
    let own: number;
    let ownStation: number;
    let events: number; // an "events" camera of the own station
    let other: number;
    let duty: string;
    let admin: string;
    let chunks: MadeChunk[];

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), "mf-playback-"));
      t = await buildTestApp({
        backend,
        env: { DATA_DIR: dataDir, RECORDING_DOWNLOAD_MAX_MINUTES: "10" },
        // No clip sweep: it would give the alerts written here a pending clip of their own.
        recordings: { workers: false },
      });
      ownStation = await t.stationId("mingshui");
      const cams = async (code: string) =>
        (
          await t.db
            .selectFrom("cameras as c")
            .innerJoin("workshops as w", "w.id", "c.workshop_id")
            .innerJoin("stations as s", "s.id", "w.station_id")
            .select("c.id")
            .where("s.code", "=", code)
            .orderBy("c.id")
            .execute()
        ).map((r) => r.id);
      [own, events] = (await cams("mingshui")) as [number, number];
      [other] = (await cams("shuangshan")) as [number];
      await t.db
        .updateTable("cameras")
        .set({ recording_policy: "continuous" })
        .where("id", "in", [own, other])
        .execute();
      // 09:00:00–09:02:30 (three chunks), then a gap, 09:10:00–09:01:10 (two chunks).
      chunks = await recordSpans(t.db, dataDir, own, [
        { start: new Date(NINE), seconds: 150 },
        { start: new Date(NINE + 600_000), seconds: 70 },
      ]);
      await recordSpans(t.db, dataDir, other, [{ start: new Date(NINE), seconds: 20 }]);
      duty = await t.login("mingshui.duty");
      admin = await t.login("admin");
    }, 180_000);
    afterAll(() => t?.close());

    const get = (url: string, cookie?: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: "GET", url, headers: { ...(cookie ? { cookie } : {}), ...headers } });

    const alert = async (
      cameraId: number,
      at: number,
      clip?: { from: number; to: number; status: string },
    ) => {
      const id = randomUUID();
      const cam = await t.db
        .selectFrom("cameras")
        .select("workshop_id")
        .where("id", "=", cameraId)
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto("alerts")
        .values({
          id,
          camera_id: cameraId,
          workshop_id: cam.workshop_id,
          station_id: ownStation,
          type: "no_hat",
          confidence: 0.9,
          grade: 2,
          status: "new",
          captured_at: new Date(at),
          evidence_path: null,
          evidence_sha256: null,
          acknowledged_by: null,
          acknowledged_at: null,
          ack_note: null,
          escalated_at: null,
        })
        .execute();
      if (clip) {
        await t.db
          .insertInto("alert_clips")
          .values({
            alert_id: id,
            camera_id: cameraId,
            status: clip.status,
            requested_from: new Date(clip.from),
            requested_to: new Date(clip.to),
            started_at: new Date(clip.from),
            ended_at: new Date(clip.to),
            path: `clips/${id}.mp4`,
            sha256: "0".repeat(64),
            bytes: 1234,
          })
          .execute();
      }
      return id;
    };

    it("shows a camera's day: merged spans, alerts as marks with their clip's status", async () => {
      const a = await alert(own, NINE + 30_000);
      const res = await get(`/api/cameras/${own}/recordings?day=${DAY}`, duty);
      expect(res.statusCode, res.body).toBe(200);
      const v = res.json();
      expect(v).toMatchObject({ cameraId: own, day: DAY, policy: "continuous" });
      expect(v.spans).toHaveLength(2);
      expect(v.spans[0]).toMatchObject({ from: new Date(NINE).toISOString(), kind: "recording" });
      expect(Date.parse(v.spans[0].to) - NINE).toBeGreaterThan(148_000);
      expect(v.spans[1].from).toBe(new Date(NINE + 600_000).toISOString());
      expect(v.spans[0].bytes).toBe(chunks.slice(0, 3).reduce((s, c) => s + c.bytes, 0));
      expect(v.alerts).toEqual([
        { id: a, type: "no_hat", grade: 2, at: new Date(NINE + 30_000).toISOString(), clip: null },
      ]);
      // Another day is empty; the day before has nothing of this one.
      expect((await get(`/api/cameras/${own}/recordings?day=2026-12-05`, duty)).json().spans).toEqual([]);
    });

    it("shows an events camera's clips as spans of their own", async () => {
      const at = NINE + 3_600_000;
      const a = await alert(events, at, { from: at - 10_000, to: at + 20_000, status: "ready" });
      await alert(events, at + 60_000, { from: at + 50_000, to: at + 80_000, status: "failed" });
      const v = (await get(`/api/cameras/${events}/recordings?day=${DAY}`, duty)).json();
      expect(v.policy).toBe("events");
      expect(v.spans).toEqual([
        {
          from: new Date(at - 10_000).toISOString(),
          to: new Date(at + 20_000).toISOString(),
          bytes: 1234,
          kind: "clip",
          alertId: a,
        },
      ]);
      expect(v.alerts.map((x: { clip: string }) => x.clip)).toEqual(["ready", "failed"]);
    });

    it("refuses a bad day, hides another station's camera, keeps the brigade out", async () => {
      const bad = await get(`/api/cameras/${own}/recordings?day=2026-13-01`, duty);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe("day");
      expect((await get(`/api/cameras/${other}/recordings?day=${DAY}`, duty)).statusCode).toBe(404);
      expect(
        (await get(`/api/cameras/${own}/recordings?day=${DAY}`, await t.login("brigade"))).statusCode,
      ).toBe(403);
      expect((await get(`/api/cameras/${own}/recordings?day=${DAY}`)).statusCode).toBe(401);
    });

    const links = async (from: number, to: number, cookie = duty, extra = "") => {
      const res = await get(
        `/api/cameras/${own}/recordings/links?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${extra}`,
        cookie,
      );
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as {
        playlist: string;
        download: string;
        expiresAt: string;
        from: string;
        to: string;
      };
    };

    it("signs links of a span and audits the view; refuses a span over 24 h or a long download", async () => {
      const l = await links(NINE + 5000, NINE + 65_000);
      expect(l.playlist).toMatch(
        new RegExp(
          `^/media/rec/${own}/index\\.m3u8\\?from=${NINE + 5000}&to=${NINE + 65_000}&uid=\\d+&token=`,
        ),
      );
      expect(l.download).toMatch(new RegExp(`^/media/rec/${own}/download\\.mp4\\?`));
      expect(Date.parse(l.expiresAt)).toBeGreaterThan(Date.now() + 3600_000);
      const audit = await t.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "recording.view")
        .where("actor_username", "=", "mingshui.duty")
        .execute();
      expect(audit.length).toBeGreaterThanOrEqual(1);
      expect(audit[0]).toMatchObject({
        target_type: "camera",
        target_id: String(own),
        station_id: ownStation,
      });
      expect(audit[0]?.detail).toMatchObject({ from: new Date(NINE + 5000).toISOString() });
      const long = await get(
        `/api/cameras/${own}/recordings/links?from=2026-12-05T00:00:00Z&to=2026-12-06T00:00:01Z`,
        duty,
      );
      expect(long.statusCode).toBe(400);
      expect(long.json()).toMatchObject({ field: "to" });
      const dl = await get(
        `/api/cameras/${own}/recordings/links?from=2026-12-06T01:00:00Z&to=2026-12-06T01:10:01Z&download=true`,
        duty,
      );
      expect(dl.statusCode).toBe(400);
      expect(dl.json().message).toMatch(/at most 10/);
      const reversed = await get(
        `/api/cameras/${own}/recordings/links?from=2026-12-06T02:00:00Z&to=2026-12-06T01:00:00Z`,
        duty,
      );
      expect(reversed.json()).toMatchObject({ field: "to" });
      expect(
        (
          await get(
            `/api/cameras/${other}/recordings/links?from=2026-12-06T01:00:00Z&to=2026-12-06T01:01:00Z`,
            duty,
          )
        ).statusCode,
      ).toBe(404);
    });

    it("serves a VOD playlist of byte ranges, with a discontinuity at the gap; the token is checked", async () => {
      const l = await links(NINE + 100_000, NINE + 640_000);
      const res = await get(l.playlist);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers["content-type"]).toMatch(/mpegurl/);
      const text = res.body;
      expect(text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
      expect(text).toContain("#EXT-X-ENDLIST");
      expect(text.split("\n").filter((x) => x === "#EXT-X-DISCONTINUITY")).toHaveLength(1);
      expect(text).toMatch(/#EXT-X-BYTERANGE:\d+@\d+/);
      const first = text.split("\n").find((x) => x.startsWith("#EXT-X-PROGRAM-DATE-TIME:"));
      expect(Date.parse(first!.slice(25))).toBeLessThanOrEqual(NINE + 100_000);
      expect(Date.parse(first!.slice(25))).toBeGreaterThan(NINE + 98_000);
      // Tampered grant, another camera, no token: 403.
      expect((await get(l.playlist.replace(/to=\d+/, `to=${NINE + 700_000}`))).statusCode).toBe(403);
      expect((await get(l.playlist.replace(`/rec/${own}/`, `/rec/${other}/`))).statusCode).toBe(403);
      expect((await get(l.playlist.replace(/&token=.*/, ""))).statusCode).toBe(403);
      // A link whose user has been disabled since: 403.
      const staffCookie = await t.login("mingshui.staff");
      const staffLink = (
        await get(
          `/api/cameras/${own}/recordings/links?from=${new Date(NINE).toISOString()}&to=${new Date(NINE + 60_000).toISOString()}`,
          staffCookie,
        )
      ).json();
      expect((await get(staffLink.playlist)).statusCode).toBe(200);
      await t.db
        .updateTable("users")
        .set({ disabled: true })
        .where("username", "=", "mingshui.staff")
        .execute();
      try {
        expect((await get(staffLink.playlist)).statusCode).toBe(403);
        expect((await get(staffLink.download)).statusCode).toBe(403);
      } finally {
        await t.db
          .updateTable("users")
          .set({ disabled: false })
          .where("username", "=", "mingshui.staff")
          .execute();
      }
      // A span with no recording: 404.
      const empty = await links(NINE + 200_000, NINE + 300_000);
      expect((await get(empty.playlist)).statusCode).toBe(404);
    });

    it("serves chunk byte ranges (206) within the grant only, never a path outside the recordings", async () => {
      const l = await links(NINE + 100_000, NINE + 640_000);
      const text = (await get(l.playlist)).body.split("\n");
      const i = text.findIndex((x) => x.startsWith("#EXT-X-BYTERANGE:"));
      const [len, off] = text[i]!.slice(17).split("@").map(Number) as [number, number];
      const uri = text[i + 1]!;
      const res = await get(uri, undefined, { range: `bytes=${off}-${off + len - 1}` });
      expect(res.statusCode).toBe(206);
      expect(res.headers["content-range"]).toMatch(new RegExp(`^bytes ${off}-${off + len - 1}/\\d+$`));
      const id = /chunk\/(\d+)\.ts/.exec(uri)![1];
      const chunk = chunks.find((c) => c.id === id)!;
      const file = readFileSync(path.join(dataDir, "media", chunk.path));
      expect(Buffer.compare(res.rawPayload, file.subarray(off, off + len))).toBe(0);
      expect(res.rawPayload[0]).toBe(0x47); // an MPEG-TS packet
      expect((await get(uri, undefined, { range: "bytes=99999999-" })).statusCode).toBe(416);
      const whole = await get(uri);
      expect(whole.statusCode).toBe(200);
      expect(whole.rawPayload.length).toBe(file.length);
      // A chunk outside the grant, another camera's chunk, a bad name: 404, 404, 400.
      const outside = chunks[0]!.id;
      expect((await get(uri.replace(/chunk\/\d+\.ts/, `chunk/${outside}.ts`))).statusCode).toBe(404);
      const otherChunk = await t.db
        .selectFrom("recording_chunks")
        .select("id")
        .where("camera_id", "=", other)
        .executeTakeFirstOrThrow();
      expect((await get(uri.replace(/chunk\/\d+\.ts/, `chunk/${otherChunk.id}.ts`))).statusCode).toBe(404);
      expect((await get(uri.replace(/chunk\/\d+\.ts/, "chunk/..%2F..%2Fsecret.ts"))).statusCode).toBe(400);
    });

    it("downloads a span as one MP4 by stream copy, audited with the link's user, leaving no temporary file", async () => {
      const before = tmpLeftovers();
      const l = await links(NINE + 50_000, NINE + 80_000, duty, "&download=true");
      const res = await get(l.download);
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      expect(res.headers["content-type"]).toBe("video/mp4");
      expect(res.headers["content-disposition"]).toMatch(
        new RegExp(
          `^attachment; filename="camera-${own}_20261206-0900(49|50)_090120\\.mp4"; filename\\*=UTF-8''`,
        ),
      );
      const out = path.join(dataDir, "dl.mp4");
      writeFileSync(out, res.rawPayload);
      const probe = await run("ffprobe", [
        "-v",
        "error",
        "-show_entries",
        "format=duration,format_name",
        "-of",
        "json",
        out,
      ]);
      const format = JSON.parse(probe.stdout).format;
      expect(format.format_name).toMatch(/mp4/);
      expect(Number(format.duration)).toBeGreaterThan(29);
      expect(Number(format.duration)).toBeLessThan(32);
      // faststart: the index (moov) comes before the media (mdat).
      expect(res.rawPayload.indexOf("moov")).toBeLessThan(res.rawPayload.indexOf("mdat"));
      const audit = await t.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "recording.download")
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_username: "mingshui.duty", target_id: String(own) });
      await expect.poll(() => tmpLeftovers().length, { timeout: 10_000 }).toBe(before.length);
    }, 60_000);

    it("answers 404 for a span without recording, 409 when ffmpeg fails, 400 for a too long span", async () => {
      const before = tmpLeftovers();
      const none = await links(NINE + 200_000, NINE + 300_000, admin);
      const r404 = await get(none.download);
      expect(r404.statusCode).toBe(404);
      // Garbage of the right size in place of a chunk: ffmpeg fails, the API says so (409), cleans up.
      const victim = chunks[4]!;
      const file = path.join(dataDir, "media", victim.path);
      const original = readFileSync(file);
      writeFileSync(file, Buffer.alloc(original.length, 0x00));
      try {
        const bad = await links(victim.startedAt.getTime() + 1000, victim.startedAt.getTime() + 5000, admin);
        const r409 = await get(bad.download);
        expect(r409.statusCode, r409.body).toBe(409);
        expect(r409.json().error).toBe("recording_unavailable");
      } finally {
        writeFileSync(file, original);
      }
      expect(tmpLeftovers()).toEqual(before);
      const long = await links(NINE, NINE + 11 * 60_000, admin);
      expect((await get(long.download)).statusCode).toBe(400);
      // A chunk file that does not match its index is refused, not served.
      writeFileSync(file, original.subarray(0, 1000));
      try {
        const l = await links(victim.startedAt.getTime(), victim.endedAt.getTime(), admin);
        const uri = (await get(l.playlist)).body.split("\n").find((x) => x.startsWith("/media/"))!;
        expect((await get(uri)).statusCode).toBe(409);
      } finally {
        writeFileSync(file, original);
      }
    }, 60_000);
  },
);
