import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chunkSegments, liveSegments, overlapping, parseLivePlaylist, timeLiveFiles } from "./segments.js";

const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:1765100000
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-PROGRAM-DATE-TIME:2026-12-07T12:00:00.000+0000
#EXTINF:1.000000,
seg-1765100000.ts
#EXT-X-PROGRAM-DATE-TIME:2026-12-07T12:00:01.000+0000
#EXTINF:0.960000,
seg-1765100001.ts
`;

describe("live segments", () => {
  it("reads each listed segment's program date-time and duration", () => {
    const m = parseLivePlaylist(PLAYLIST);
    expect(m.get("seg-1765100000.ts")).toEqual({ start: new Date("2026-12-07T12:00:00Z"), durationMs: 1000 });
    expect(m.get("seg-1765100001.ts")?.durationMs).toBe(960);
  });

  it("times every file by its mtime (its end), with the playlist's duration when listed", () => {
    const t0 = Date.parse("2026-12-07T11:59:57Z");
    const files = [
      { name: "seg-1765099998.ts", seq: 1765099998, size: 10, mtimeMs: t0 + 1000 },
      { name: "seg-1765099997.ts", seq: 1765099997, size: 10, mtimeMs: t0 },
      { name: "seg-1765099999.ts", seq: 1765099999, size: 10, mtimeMs: t0 + 1900 },
      { name: "seg-1765100001.ts", seq: 1765100001, size: 10, mtimeMs: t0 + 3100 },
    ];
    const refs = timeLiveFiles(files, parseLivePlaylist(PLAYLIST), "/d", 1);
    expect(refs.map((r) => r.seq)).toEqual([1765099997, 1765099998, 1765099999, 1765100001]);
    // The first has no predecessor: one segment's length before its mtime.
    expect(refs[0]!.start.getTime()).toBe(t0 - 1000);
    // The third follows the second: its duration is the mtime gap.
    expect(refs[2]!.durationMs).toBe(900);
    expect(refs[2]!.start.getTime()).toBe(t0 + 1000);
    // Listed: the playlist's duration, but the start from the file time, not the program date-time (which
    // ffmpeg counts from its own start and can run seconds ahead of the wall clock).
    expect(refs[3]!.durationMs).toBe(960);
    expect(refs[3]!.start.getTime()).toBe(t0 + 3100 - 960);
    expect(refs[3]!.file).toBe(path.join("/d", "seg-1765100001.ts"));
  });

  it("lists a real folder, ignoring unfinished and foreign files", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "segs-"));
    try {
      const dir = path.join(root, "7");
      await import("node:fs/promises").then((fs) => fs.mkdir(dir));
      await writeFile(path.join(dir, "seg-5.ts"), Buffer.alloc(188));
      await writeFile(path.join(dir, "seg-6.ts.tmp"), Buffer.alloc(188));
      await writeFile(path.join(dir, "notes.txt"), "x");
      const at = new Date("2026-12-07T12:00:05Z");
      await utimes(path.join(dir, "seg-5.ts"), at, at);
      const refs = await liveSegments(root, 7, 1);
      expect(refs).toHaveLength(1);
      expect(refs[0]).toMatchObject({ offset: 0, length: 188, seq: 5, durationMs: 1000 });
      expect(refs[0]!.start.toISOString()).toBe("2026-12-07T12:00:04.000Z");
      expect(await liveSegments(root, 8, 1)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("chunks", () => {
  it("turns a chunk's parts into byte ranges with their times, and selects by overlap", () => {
    const refs = chunkSegments({
      file: "/rec/1.ts",
      startedAt: new Date("2026-12-07T12:00:00Z"),
      parts: [
        [100, 1000],
        [200, 1000],
        [50, 500],
      ],
    });
    expect(refs.map((r) => [r.offset, r.length, r.start.toISOString().slice(11, 23)])).toEqual([
      [0, 100, "12:00:00.000"],
      [100, 200, "12:00:01.000"],
      [300, 50, "12:00:02.000"],
    ]);
    const picked = overlapping(
      refs,
      new Date("2026-12-07T12:00:01.500Z"),
      new Date("2026-12-07T12:00:02.100Z"),
    );
    expect(picked.map((r) => r.offset)).toEqual([100, 300]);
  });
});
