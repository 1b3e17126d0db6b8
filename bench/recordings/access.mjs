#!/usr/bin/env node
/**
 * bench/recordings/access.mjs: how fast recorded video is reached, each figure as a ratio against a
 * baseline measured in the same run (this machine is shared and noisy).
 *
 * 1. Cut a 30 s clip (the clip worker's `cutMp4`: 30 live segments through ffmpeg `-c copy` into an MP4,
 *    fsync, SHA-256) against copying the same bytes into one file with the same fsync and SHA-256: the
 *    ratio is what the remux adds to moving the bytes.
 * 2. Start playback at a random moment of a day of continuous recording (1,440 indexed one-minute chunks):
 *    signed links → the hour's VOD playlist → the first segment's byte range, over HTTP against the real
 *    API, against starting the live view the same way (live URL → live playlist → newest segment).
 * 3. The day's timeline (`GET /api/cameras/:id/recordings?day=`) over those 1,440 chunks.
 *
 * The video is real: one minute of 1 s MPEG-TS segments at about the simulator's bitrate (1 Mbit/s),
 * made once with ffmpeg; the day's chunk files are hard links of one chunk file (the index and the
 * playlist are what is measured, not the page cache).
 *
 *   npm run build && node bench/recordings/access.mjs [--runs 30]
 *   PG_URL=postgres://postgres@127.0.0.1:5432/postgres (the server's admin URL; the default)
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { cutMp4 } from "../../services/api/dist/recordings/clip.cutter.js";
import { RecordingRepository } from "../../services/api/dist/recordings/recording.repository.js";
import { liveSegments } from "../../services/api/dist/recordings/segments.js";
import { login } from "../support/app.mjs";
import { arg, ms, timed } from "../support/stats.mjs";
import { PASSWORD, withYearOfData } from "../support/year-of-data.mjs";

const RUNS = arg("--runs", 30);
const DAY_MS = 86_400_000;

/** 60 one-second MPEG-TS segments of moving test pattern at about 1 Mbit/s, as the ingest writes them. */
function makeSegments(dir) {
  mkdirSync(dir, { recursive: true });
  execFileSync("ffmpeg", [
    ...[
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=1280x720:rate=10",
      "-t",
      "60",
    ],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-g", "10", "-pix_fmt", "yuv420p"],
    ...["-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_flags", "independent_segments"],
    ...["-hls_segment_filename", `${dir}/seg-%d.ts`, `${dir}/index.m3u8`],
  ]);
  return readdirSync(dir)
    .filter((f) => /^seg-\d+\.ts$/.test(f))
    .sort((a, b) => Number(a.slice(4, -3)) - Number(b.slice(4, -3)));
}

/** The baseline of the cut: the same bytes into one file, fsync, SHA-256. */
async function copyBytes(segments, file) {
  const fh = await open(file, "w");
  const hash = createHash("sha256");
  for (const s of segments) {
    const b = readFileSync(s.file);
    hash.update(b);
    await fh.write(b);
  }
  await fh.sync();
  await fh.close();
  return hash.digest("hex");
}

async function benchCut(dir) {
  const segs = (await liveSegments(path.dirname(dir), Number(path.basename(dir)), 1)).slice(0, 30);
  const out = mkdtempSync(path.join(tmpdir(), "bench-cut-"));
  let k = 0;
  const cut = await timed(RUNS, () =>
    cutMp4({ ffmpeg: "ffmpeg", segments: segs, file: path.join(out, `c${k++}.mp4`), timeoutMs: 60_000 }),
  );
  const copy = await timed(RUNS, () => copyBytes(segs, path.join(out, `b${k++}.ts`)));
  const bytes = segs.reduce((n, s) => n + s.length, 0);
  rmSync(out, { recursive: true, force: true });
  console.log(`\n30 s clip (${segs.length} segments, ${(bytes / 1e6).toFixed(1)} MB), ${RUNS} runs:`);
  console.log(`  cut (ffmpeg -c copy → MP4, fsync, SHA-256)  p50 ${ms(cut.p50)}  p95 ${ms(cut.p95)}`);
  console.log(`  baseline: copy the bytes, fsync, SHA-256     p50 ${ms(copy.p50)}  p95 ${ms(copy.p95)}`);
  console.log(`  ratio ${(cut.p50 / copy.p50).toFixed(2)}×`);
}

/** A day of one-minute chunks of camera `cameraId`, each a hard link of one real chunk file. */
async function recordDay(db, media, cameraId, segFiles, dayStart) {
  const chunk = path.join(media, "chunk-source.ts");
  const bufs = segFiles.map((f) => readFileSync(f));
  writeFileSync(chunk, Buffer.concat(bufs));
  const parts = bufs.map((b) => [b.length, 1000]);
  const repo = new RecordingRepository(db);
  for (let m = 0; m < 1440; m++) {
    const start = dayStart + m * 60_000;
    const d = new Date(start).toISOString();
    const rel = path.join("rec", String(cameraId), d.slice(0, 10), d.slice(11, 13), `${start}.ts`);
    mkdirSync(path.dirname(path.join(media, rel)), { recursive: true });
    linkSync(chunk, path.join(media, rel));
    await repo.insert({
      cameraId,
      startedAt: new Date(start),
      endedAt: new Date(start + parts.length * 1000),
      bytes: bufs.reduce((n, b) => n + b.length, 0),
      path: rel,
      parts,
    });
  }
}

/** GET over real HTTP (the browser's path), the body as text or bytes. */
async function get(base, url, headers = {}) {
  const res = await fetch(new URL(url, base), { headers });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res;
}

/** Playback from a random moment: links → playlist → the first segment's byte range. */
async function startPlayback(base, cookie, cameraId, dayStart) {
  const from = dayStart + Math.floor(Math.random() * 23 * 60) * 60_000;
  const links = await (
    await get(
      base,
      `/api/cameras/${cameraId}/recordings/links?from=${new Date(from).toISOString()}&to=${new Date(from + 3600_000).toISOString()}`,
      { cookie },
    )
  ).json();
  const playlist = await (await get(base, links.playlist)).text();
  const lines = playlist.split("\n");
  const i = lines.findIndex((l) => l.startsWith("#EXT-X-BYTERANGE:"));
  const [len, off] = lines[i].slice("#EXT-X-BYTERANGE:".length).split("@").map(Number);
  const seg = await get(base, lines[i + 1], { range: `bytes=${off}-${off + len - 1}` });
  if ((await seg.arrayBuffer()).byteLength !== len) throw new Error("short segment");
}

/** The live view's start: live URL → playlist → its newest segment. */
async function startLive(base, cookie, cameraId) {
  const live = await (await get(base, `/api/cameras/${cameraId}/live`, { cookie })).json();
  const playlist = await (await get(base, live.hls)).text();
  const segs = playlist.split("\n").filter((l) => l && !l.startsWith("#"));
  await (await get(base, new URL(segs.at(-1), new URL(live.hls, base)).toString())).arrayBuffer();
}

async function benchPlayback({ app, db, dir }, segDir, segFiles) {
  const cameraId = Number(path.basename(segDir));
  const dayStart = Date.parse(`${new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)}T00:00:00+08:00`);
  process.stdout.write("\nrecording a day of chunks (1,440 rows) …");
  await recordDay(db, path.join(dir, "media"), cameraId, segFiles, dayStart);
  console.log(" done");
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const cookie = await login(app, "admin", PASSWORD);
  const play = await timed(RUNS, () => startPlayback(base, cookie, cameraId, dayStart));
  const live = await timed(RUNS, () => startLive(base, cookie, cameraId));
  const day = new Date(dayStart + 8 * 3600_000).toISOString().slice(0, 10);
  const dayView = await timed(RUNS, async () => {
    const v = await (await get(base, `/api/cameras/${cameraId}/recordings?day=${day}`, { cookie })).json();
    if (v.spans.length !== 1) throw new Error(`expected one merged span, got ${v.spans.length}`);
  });
  console.log(`\nplayback start at a random moment of a recorded day, ${RUNS} runs (server side, HTTP):`);
  console.log(`  links → hour playlist → first segment  p50 ${ms(play.p50)}  p95 ${ms(play.p95)}`);
  console.log(`  baseline: live URL → playlist → segment p50 ${ms(live.p50)}  p95 ${ms(live.p95)}`);
  console.log(`  ratio ${(play.p50 / live.p50).toFixed(2)}×`);
  console.log(`the day's timeline over 1,440 chunks      p50 ${ms(dayView.p50)}  p95 ${ms(dayView.p95)}`);
}

await withYearOfData(
  {
    label: "recordings",
    heading: (n) => `a small year of data (${n} cameras, 1,000 alerts) for the API around the recordings`,
    start: "now() - interval '365 days'",
    length: "interval '365 days'",
    alerts: 1_000,
    cases: 10,
    outcomes: ["rectified"],
  },
  async (ctx) => {
    const cameraId = (await ctx.client.query("select min(id)::int as id from cameras")).rows[0].id;
    const segDir = path.join(ctx.dir, "media", "hls", String(cameraId));
    process.stdout.write("making a minute of 1 s segments with ffmpeg …");
    const names = makeSegments(segDir);
    console.log(` ${names.length} segments`);
    await benchCut(segDir);
    await benchPlayback(
      ctx,
      segDir,
      names.map((n) => path.join(segDir, n)),
    );
  },
);
