/**
 * The recorder in the real app, with real ffmpeg writing a camera's live folder exactly as the ingest does
 * (1 s segments, epoch numbers, PROGRAM-DATE-TIME, temp files) and a real database: a camera set to
 * `continuous` through the API is recorded into indexed chunks that follow each other without gaps or
 * overlaps, each a playable MPEG-TS of its indexed length; `app.close()` indexes the open chunk; the
 * metrics count what was archived. A camera left on `events` gets nothing.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, createRedis } from "@mingfang/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { RecorderLease } from "./recorder.plugin.js";

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function liveFfmpeg(dir: string): ChildProcess {
  return spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=10"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "hls", "-hls_time", "1"],
      ...["-hls_list_size", "6", "-hls_delete_threshold", "120"],
      ...["-hls_flags", "delete_segments+independent_segments+program_date_time+temp_file"],
      ...[
        "-hls_start_number_source",
        "epoch",
        "-hls_segment_filename",
        `${dir}/seg-%d.ts`,
        `${dir}/index.m3u8`,
      ],
    ],
    { stdio: "ignore" },
  );
}

describe("recorder plugin", () => {
  let t: TestApp;
  let dataDir: string;
  let ffmpeg: ChildProcess | null = null;
  let other: ChildProcess | null = null;
  let cameraId: number;
  let otherId: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "recorder-"));
    t = await buildTestApp({
      env: { DATA_DIR: dataDir, RECORDING_CHUNK_SECONDS: "5" },
      alerts: { workers: false },
    });
    const cams = await t.db.selectFrom("cameras").select("id").orderBy("id").limit(2).execute();
    cameraId = cams[0]!.id;
    otherId = cams[1]!.id;
    for (const id of [cameraId, otherId])
      await mkdir(path.join(dataDir, "media", "hls", String(id)), { recursive: true });
    ffmpeg = liveFfmpeg(path.join(dataDir, "media", "hls", String(cameraId)));
    // The other camera (policy `events`) gets the same kind of folder, never recorded.
    other = liveFfmpeg(path.join(dataDir, "media", "hls", String(otherId)));
  }, 120_000);
  afterAll(async () => {
    ffmpeg?.kill("SIGKILL");
    other?.kill("SIGKILL");
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("records a continuous camera into contiguous, playable, indexed chunks; close indexes the open one", async () => {
    const admin = await t.login("admin");
    const res = await t.app.inject({
      method: "PATCH",
      url: `/api/cameras/${cameraId}`,
      headers: { cookie: admin },
      payload: { recordingPolicy: "continuous" },
    });
    expect(res.statusCode, res.body).toBe(200);
    // The camera-config announcement makes the archiver read the cameras at its next poll (2 s), not
    // at its 10 s refresh.
    await waitFor("the first segment archived", async () => (t.app.archiver?.stats.segments ?? 0) > 0, 7000);
    const rows = () =>
      t.db
        .selectFrom("recording_chunks")
        .select(["camera_id", "started_at", "ended_at", "bytes", "path", "parts"])
        .orderBy("started_at")
        .execute();
    await waitFor("two chunks", async () => (await rows()).length >= 2, 90_000);
    const metrics = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/mingfang_recording_segments_archived_total\{[^}]*\} [1-9]/);
    expect(metrics.body).toMatch(/mingfang_recording_archived_bytes_total\{[^}]*\} [1-9]/);
    expect(metrics.body).toContain("mingfang_recording_deletions_total");

    const archiver = t.app.archiver!;
    const indexed = async () => (await rows()).reduce((n, r) => n + r.parts.length, 0);
    await waitFor("an open chunk", async () => archiver.stats.segments > (await indexed()), 30_000);
    const before = (await rows()).length;
    await archiver.stop(); // what app.close() does first
    const all = await rows();
    expect(all.length).toBe(before + 1);
    expect(await indexed()).toBe(archiver.stats.segments);
    expect(new Set(all.map((r) => r.camera_id))).toEqual(new Set([cameraId]));

    for (const [i, r] of all.entries()) {
      const ms = r.parts.reduce((n, p) => n + p[1], 0);
      expect(r.ended_at.getTime() - r.started_at.getTime()).toBe(ms);
      expect(r.parts.reduce((n, p) => n + p[0], 0)).toBe(Number(r.bytes));
      const file = path.join(dataDir, "media", r.path);
      expect((await readFile(file)).length).toBe(Number(r.bytes));
      expect(r.path).toMatch(
        new RegExp(`^rec/${cameraId}/\\d{4}-\\d{2}-\\d{2}/\\d{2}/${r.started_at.getTime()}\\.ts$`),
      );
      const next = all[i + 1];
      if (next) expect(Math.abs(next.started_at.getTime() - r.ended_at.getTime())).toBeLessThan(1500);
      if (i < 2) {
        expect(ms).toBeGreaterThanOrEqual(5000);
        const out = execFileSync(
          "ffprobe",
          ["-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", file],
          { encoding: "utf8" },
        );
        expect(Math.abs(Number(out) - ms / 1000)).toBeLessThan(1.2);
      }
    }
    expect(archiver.stats.pollMs / archiver.stats.polls).toBeLessThan(200);
  }, 180_000);
});

describe("recorder lease", () => {
  it("lets one process record at a time, and another take over when it goes", async () => {
    const prefix = `t${randomBytes(4).toString("hex")}:`;
    const a = createRedis(inject("redisUrl"), { keyPrefix: prefix });
    const b = createRedis(inject("redisUrl"), { keyPrefix: prefix });
    const log = createLogger({ level: "silent" });
    const events: string[] = [];
    const lease = (name: string, r: typeof a) =>
      new RecorderLease(
        r,
        log,
        () => events.push(`${name} gains`),
        async () => {
          events.push(`${name} loses`);
        },
        100,
      );
    const la = lease("a", a);
    const lb = lease("b", b);
    try {
      await la.start();
      await lb.start();
      expect([la.isHeld, lb.isHeld]).toEqual([true, false]);
      await la.close();
      await waitFor("b to take over", async () => lb.isHeld, 10_000);
      expect(events).toEqual(["a gains", "a loses", "b gains"]);
      // The lease taken away (expired while b was stalled, say): b stops recording.
      await b.del("mingfang:recorder:leader");
      await a.set("mingfang:recorder:leader", "someone else");
      await waitFor("b to stop", async () => !lb.isHeld, 10_000);
      expect(events.at(-1)).toBe("b loses");
    } finally {
      await la.close();
      await lb.close();
      a.disconnect();
      b.disconnect();
    }
  });
});
