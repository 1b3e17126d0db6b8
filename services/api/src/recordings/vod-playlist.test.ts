import { describe, expect, it } from "vitest";
import { buildVodPlaylist, chunkEntries, type PlaylistChunk, vodEntries } from "./vod-playlist.js";

const T0 = Date.parse("2026-12-07T02:00:00.000Z");
/** A chunk of `n` parts of 1 s and 1000 bytes each (a slightly different size for the last). */
const chunk = (id: string, start: number, n: number, ms = 1000): PlaylistChunk => ({
  id,
  startedAt: new Date(start),
  parts: Array.from({ length: n }, (_, i) => [i === n - 1 ? 900 : 1000, ms] as [number, number]),
});
const uri = (id: string) => `/media/rec/7/chunk/${id}.ts?g=1`;

describe("VOD playlist of recording chunks", () => {
  it("groups a minute of 1 s parts into byte ranges of 4 s", () => {
    const e = chunkEntries(chunk("1", T0, 60), T0, T0 + 60_000);
    expect(e).toHaveLength(15);
    expect(e[0]).toEqual({ chunkId: "1", offset: 0, length: 4000, start: T0, durationMs: 4000 });
    expect(e[1]).toMatchObject({ offset: 4000, start: T0 + 4000 });
    expect(e[14]).toMatchObject({ offset: 56_000, length: 3900, durationMs: 4000 });
    expect(e.reduce((s, x) => s + x.length, 0)).toBe(59_900);
  });

  it("joins a short tail to the entry before it (at most 6 s)", () => {
    const e = chunkEntries(chunk("1", T0, 10), T0, T0 + 10_000);
    expect(e.map((x) => x.durationMs)).toEqual([4000, 6000]);
    expect(e[1]).toMatchObject({ offset: 4000, length: 5900 });
    // 9 parts: 4 + 5
    expect(chunkEntries(chunk("1", T0, 9), T0, T0 + 9000).map((x) => x.durationMs)).toEqual([4000, 5000]);
  });

  it("keeps only the parts that overlap the span, from the part that holds its start", () => {
    const e = chunkEntries(chunk("1", T0, 60), T0 + 10_500, T0 + 13_200);
    expect(e).toEqual([{ chunkId: "1", offset: 10_000, length: 4000, start: T0 + 10_000, durationMs: 4000 }]);
    expect(chunkEntries(chunk("1", T0, 60), T0 + 60_000, T0 + 70_000)).toEqual([]);
  });

  it("writes a VOD playlist: program date-time per chunk, byte ranges, a discontinuity at a gap only", () => {
    const chunks = [chunk("2", T0 + 60_000, 8), chunk("1", T0, 60), chunk("3", T0 + 120_000, 8)];
    const entries = vodEntries(chunks, T0 + 52_000, T0 + 200_000);
    const text = buildVodPlaylist(entries, uri);
    const lines = text.split("\n");
    expect(lines[0]).toBe("#EXTM3U");
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(text).toContain("#EXT-X-TARGETDURATION:4");
    expect(text.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);
    expect(lines.filter((l) => l.startsWith("#EXT-X-PROGRAM-DATE-TIME:"))).toEqual([
      "#EXT-X-PROGRAM-DATE-TIME:2026-12-07T02:00:52.000Z",
      "#EXT-X-PROGRAM-DATE-TIME:2026-12-07T02:01:00.000Z",
      "#EXT-X-PROGRAM-DATE-TIME:2026-12-07T02:02:00.000Z",
    ]);
    // Chunk 2 ends at 02:01:08 and chunk 3 starts at 02:02:00: one gap.
    expect(lines.filter((l) => l === "#EXT-X-DISCONTINUITY")).toHaveLength(1);
    const d = lines.indexOf("#EXT-X-DISCONTINUITY");
    expect(lines[d + 1]).toBe("#EXT-X-PROGRAM-DATE-TIME:2026-12-07T02:02:00.000Z");
    expect(lines).toContain("#EXT-X-BYTERANGE:4000@52000");
    expect(lines).toContain("#EXT-X-BYTERANGE:3900@56000");
    expect(lines).toContain("/media/rec/7/chunk/1.ts?g=1");
    const infs = lines.filter((l) => l.startsWith("#EXTINF:"));
    const uris = lines.filter((l) => l.startsWith("/media/"));
    expect(infs).toHaveLength(uris.length);
    expect(infs[0]).toBe("#EXTINF:4.000,");
  });

  it("sorts chunks by time and writes an empty but valid playlist for nothing", () => {
    const text = buildVodPlaylist([], uri);
    expect(text).toContain("#EXT-X-ENDLIST");
    expect(text).not.toContain("#EXTINF");
  });

  it("stays small: a day of recording in minute chunks is about 17,000 entries", () => {
    const day = Array.from({ length: 1440 }, (_, i) => chunk(String(i + 1), T0 + i * 60_000, 60));
    const entries = vodEntries(day, T0, T0 + 86_400_000);
    expect(entries).toHaveLength(1440 * 15);
    const text = buildVodPlaylist(entries, uri);
    expect(text.split("#EXT-X-DISCONTINUITY").length).toBe(1);
  });
});
