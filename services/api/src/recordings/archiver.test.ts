/**
 * The archiver over a live folder written the way ffmpeg writes it (segment files renamed into place, a
 * playlist with PROGRAM-DATE-TIME), with a clock of the test's own: chunks close at the chunk length, at
 * the hour, at a gap, when the policy stops; nothing is archived twice; a restart resumes from the newest
 * chunk's end; orphan segments older than the buffer + 30 s are swept. The bytes of the chunks are the
 * segments' bytes in order. (The same with real ffmpeg and a real database: archiver.ffmpeg.test.ts.)
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@mingfang/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Archiver, chunkRelPath, hourKey } from "./archiver.js";
import { recordsNow, workshopWorks } from "./archiver-policy.js";
import type { NewChunk, RecordingCamera } from "./recording.repository.js";

const CAM = 7;
const logger = createLogger({ level: "silent" });

class FakeRepo {
  rows: NewChunk[] = [];
  cameras: RecordingCamera[] = [{ id: CAM, policy: "continuous", schedule: null, workingHours: null }];
  failInserts = false;
  async insert(c: NewChunk): Promise<string> {
    if (this.failInserts) throw new Error("database down");
    this.rows.push(c);
    return String(this.rows.length);
  }
  async recordingCameras() {
    return this.cameras;
  }
  async newestChunkEnds() {
    const m = new Map<number, Date>();
    for (const r of this.rows) {
      const prev = m.get(r.cameraId);
      if (!prev || prev < r.endedAt) m.set(r.cameraId, r.endedAt);
    }
    return m;
  }
}

/** A live folder: segments of 1 s from `t0`, their bytes remembered. */
class LiveFolder {
  readonly bytes = new Map<number, Buffer>();
  readonly starts = new Map<number, number>();
  constructor(readonly dir: string) {}
  async write(seq: number, startMs: number, opts: { listed?: boolean } = {}): Promise<void> {
    const b = randomBytes(188 * (5 + (seq % 7)));
    this.bytes.set(seq, b);
    this.starts.set(seq, startMs);
    const file = path.join(this.dir, `seg-${seq}.ts`);
    await writeFile(file, b);
    await utimes(file, (startMs + 1000) / 1000, (startMs + 1000) / 1000);
    if (opts.listed === false) return;
    const last = [...this.starts.keys()].sort((a, b) => a - b).slice(-6);
    const lines = [
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      "#EXT-X-TARGETDURATION:1",
      `#EXT-X-MEDIA-SEQUENCE:${last[0]}`,
    ];
    for (const s of last) {
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(this.starts.get(s) as number).toISOString()}`);
      lines.push("#EXTINF:1.000000,", `seg-${s}.ts`);
    }
    await writeFile(path.join(this.dir, "index.m3u8"), `${lines.join("\n")}\n`);
  }
}

describe("archiver", () => {
  let media: string;
  let live: LiveFolder;
  let repo: FakeRepo;
  let now: number;
  const T0 = Date.parse("2026-12-07T09:59:50.000Z");

  beforeEach(async () => {
    media = await mkdtemp(path.join(tmpdir(), "archiver-"));
    await mkdir(path.join(media, "hls", String(CAM)), { recursive: true });
    live = new LiveFolder(path.join(media, "hls", String(CAM)));
    repo = new FakeRepo();
    now = T0;
  });
  afterEach(() => rm(media, { recursive: true, force: true }));

  const make = () =>
    new Archiver(
      {
        mediaDir: media,
        segmentSeconds: 1,
        chunkSeconds: 4,
        bufferSeconds: 120,
        now: () => now,
        sweepMs: 1e12,
      },
      { repo, logger },
    );

  /** Writes segments seq…seq+n-1 (1 s each from startMs) and moves the clock past them, polling each. */
  async function run(a: Archiver, seq: number, n: number, startMs: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await live.write(seq + i, startMs + i * 1000);
      now = startMs + (i + 1) * 1000 + 50;
      await a.tick();
    }
  }

  async function chunkBytes(c: NewChunk): Promise<Buffer> {
    return readFile(path.join(media, c.path));
  }

  const expectedBytes = (seqs: number[]) => Buffer.concat(seqs.map((s) => live.bytes.get(s) as Buffer));

  it("appends segments into chunks of the chunk length, split at the hour, indexed with their parts", async () => {
    const a = make();
    await run(a, 1000, 16, T0); // 09:59:50 … 10:00:06
    await a.stop();
    const spans = repo.rows.map((r) => [r.startedAt.toISOString(), r.endedAt.toISOString(), r.parts.length]);
    expect(spans).toEqual([
      ["2026-12-07T09:59:50.000Z", "2026-12-07T09:59:54.000Z", 4],
      ["2026-12-07T09:59:54.000Z", "2026-12-07T09:59:58.000Z", 4],
      ["2026-12-07T09:59:58.000Z", "2026-12-07T10:00:00.000Z", 2], // the hour
      ["2026-12-07T10:00:00.000Z", "2026-12-07T10:00:04.000Z", 4],
      ["2026-12-07T10:00:04.000Z", "2026-12-07T10:00:06.000Z", 2], // stop
    ]);
    expect(repo.rows[3]?.path).toBe(`rec/${CAM}/2026-12-07/10/${Date.parse("2026-12-07T10:00:00Z")}.ts`);
    expect(repo.rows[2]?.path).toBe(chunkRelPath(CAM, Date.parse("2026-12-07T09:59:58Z")));
    let seq = 1000;
    for (const r of repo.rows) {
      const seqs = r.parts.map((_, i) => seq + i);
      seq += r.parts.length;
      expect(await chunkBytes(r)).toEqual(expectedBytes(seqs));
      expect(r.parts.map((p) => p[0])).toEqual(seqs.map((s) => live.bytes.get(s)?.length));
      expect(r.bytes).toBe(expectedBytes(seqs).length);
    }
    expect(a.stats.segments).toBe(16);
  });

  it("closes a chunk at a gap (the camera's process restarted: numbers jump)", async () => {
    const a = make();
    await run(a, 500, 2, T0);
    await run(a, 900, 2, T0 + 2500);
    await a.stop();
    expect(repo.rows.map((r) => r.parts.length)).toEqual([2, 2]);
    expect(repo.rows[1]?.startedAt.getTime()).toBe(T0 + 2500);
  });

  it("closes a chunk when no segment comes (camera offline) and when the policy stops", async () => {
    const a = make();
    await run(a, 1, 2, T0);
    now += 7000;
    await a.tick();
    expect(repo.rows).toHaveLength(1);
    await run(a, 3, 1, now);
    repo.cameras = [
      { id: CAM, policy: "working_hours", schedule: null, workingHours: { start: "03:00", end: "04:00" } },
    ];
    now += 11_000; // past the refresh interval; 10:00 UTC = 18:00 in Zhangqiu, outside 03:00-04:00
    await live.write(4, now - 1000);
    await a.tick();
    expect(repo.rows).toHaveLength(2);
    expect(repo.rows[1]?.parts).toHaveLength(1); // segment 4 was not archived: the policy stopped
    await a.stop();
  });

  it("archives nothing twice across polls, and resumes after a restart from the newest chunk's end", async () => {
    const a = make();
    await run(a, 100, 6, T0);
    await a.tick();
    await a.tick();
    await a.stop(); // the API goes down: closes the open chunk (2 segments)
    expect(repo.rows.reduce((n, r) => n + r.parts.length, 0)).toBe(6);
    // While it is down, 5 more segments arrive (and stay in the buffer).
    for (let i = 6; i < 11; i++) await live.write(100 + i, T0 + i * 1000);
    now = T0 + 11_050;
    const b = make();
    await b.tick();
    await b.stop();
    const parts = repo.rows.reduce((n, r) => n + r.parts.length, 0);
    expect(parts).toBe(11);
    const all = Buffer.concat(await Promise.all(repo.rows.map(chunkBytes)));
    expect(all).toEqual(expectedBytes([...Array(11).keys()].map((i) => 100 + i)));
  });

  it("waits for a segment that is in place but not yet in the playlist", async () => {
    const a = make();
    await run(a, 1, 2, T0);
    await live.write(3, T0 + 2000, { listed: false });
    now = T0 + 3050;
    await a.tick();
    expect(a.stats.segments).toBe(2);
    await live.write(4, T0 + 3000);
    now = T0 + 4050;
    await a.tick();
    expect(a.stats.segments).toBe(4);
    await a.stop();
  });

  it("keeps a chunk's row until the database takes it", async () => {
    const a = make();
    repo.failInserts = true;
    await run(a, 1, 5, T0);
    expect(repo.rows).toHaveLength(0);
    repo.failInserts = false;
    await a.tick();
    expect(repo.rows).toHaveLength(1);
    await a.stop();
  });

  it("sweeps orphan segments older than the buffer + 30 s, and only those", async () => {
    const dir = live.dir;
    const real = Date.now();
    // The previous run's segments (low numbers), 200 s and 100 s old; the current run's, fresh.
    for (const [seq, age] of [
      [10, 200],
      [11, 199],
      [50, 100],
      [5000, 2],
      [5001, 1],
    ] as const) {
      await writeFile(path.join(dir, `seg-${seq}.ts`), "x");
      const t = (real - age * 1000) / 1000;
      await utimes(path.join(dir, `seg-${seq}.ts`), t, t);
    }
    const a = new Archiver(
      { mediaDir: media, segmentSeconds: 1, chunkSeconds: 4, bufferSeconds: 120 },
      { repo, logger },
    );
    expect(await a.sweepOrphans()).toBe(2);
    expect((await readdir(dir)).filter((f) => f.endsWith(".ts")).sort()).toEqual([
      "seg-50.ts",
      "seg-5000.ts",
      "seg-5001.ts",
    ]);
  });
});

describe("recording policy", () => {
  // 2026-12-07 is a Monday; 10:00 UTC is 18:00 in Zhangqiu.
  const at = new Date("2026-12-07T10:00:00Z");
  it("continuous always, off/events never", () => {
    expect(recordsNow({ policy: "continuous", schedule: null, workingHours: null }, at)).toBe(true);
    expect(recordsNow({ policy: "events", schedule: null, workingHours: null }, at)).toBe(false);
    expect(recordsNow({ policy: "off", schedule: null, workingHours: null }, at)).toBe(false);
  });
  it("working hours: the camera's schedule first, else the workshop's hours, else always", () => {
    const schedule = {
      days: [1],
      hours: [
        { from: "08:00", to: "12:00" },
        { from: "17:00", to: "19:00" },
      ],
    };
    expect(workshopWorks(schedule, { start: "00:00", end: "01:00" }, at)).toBe(true);
    expect(workshopWorks({ ...schedule, days: [2] }, null, at)).toBe(false);
    expect(workshopWorks(null, { start: "17:30", end: "18:30" }, at)).toBe(true);
    expect(workshopWorks(null, { start: "06:00", end: "17:00" }, at)).toBe(false);
    expect(workshopWorks(null, { start: "17:30", end: "18:30", days: [2, 3] }, at)).toBe(false);
    expect(workshopWorks(null, { start: "22:00", end: "06:00" }, new Date("2026-12-07T20:00:00Z"))).toBe(
      true,
    );
    expect(workshopWorks(null, null, at)).toBe(true);
    expect(workshopWorks({ days: [], hours: [] }, null, at)).toBe(true); // malformed: ignored
  });
  it("hour keys are UTC", () => {
    expect(hourKey(Date.parse("2026-12-07T23:59:59.999Z"))).toBe("2026-12-07/23");
  });
});
