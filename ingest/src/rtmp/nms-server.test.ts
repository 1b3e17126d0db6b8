/**
 * node-media-server as the platform runs it: a publish with our signed key is accepted and plays as FLV
 * (with node-media-server's play signature, which only the API's proxy makes); a forged, expired or missing
 * key is refused; unsigned playback gets nothing.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Keyring, pushStreamPath, signPublishKey } from "@mingfang/core";
import { findFreePort } from "@mingfang/process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cameraStreamPath, NmsServer, nmsFlvUrl, nmsPlaySecret } from "./nms-server.js";

const CLIPS = path.resolve(import.meta.dirname, "../../../.test-data/clips");

function clip(): string {
  const dir = readdirSync(CLIPS).find((d) => !d.includes("."))!;
  return path.join(CLIPS, dir, "pedestrians-main.mp4");
}

function push(url: string, seconds: number): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-i",
      clip(),
      "-t",
      String(seconds),
      "-c",
      "copy",
      "-f",
      "flv",
      url,
    ],
    {
      stdio: "ignore",
    },
  );
  return { child, exit: new Promise((r) => child.once("exit", (c) => r(c))) };
}

/** The codec ffprobe reads from a URL, or "" when it cannot. */
function probe(url: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      "ffprobe",
      [
        "-v",
        "error",
        "-rw_timeout",
        "4000000",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=codec_name",
        "-of",
        "csv=p=0",
        url,
      ],
      { timeout: 8000 },
      (err, stdout) => resolve(err ? "" : stdout.trim()),
    );
  });
}

/** The first bytes of an HTTP-FLV stream, or what came back within the time. */
async function firstBytes(url: string, want = 4096, ms = 8000): Promise<{ status: number; bytes: Buffer }> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  const chunks: Buffer[] = [];
  let status = 0;
  try {
    const res = await fetch(url, { signal: ctl.signal });
    status = res.status;
    const reader = res.body!.getReader();
    let n = 0;
    while (n < want) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      n += value.length;
    }
    ctl.abort();
  } catch {
    // aborted or refused
  } finally {
    clearTimeout(timer);
  }
  return { status, bytes: Buffer.concat(chunks) };
}

describe("node-media-server with our publish keys", () => {
  const keyring = new Keyring(randomBytes(32).toString("hex"));
  let nms: NmsServer;
  let httpPort: number;
  const lines: string[] = [];

  beforeAll(async () => {
    httpPort = await findFreePort();
    nms = new NmsServer({
      bind: "127.0.0.1",
      rtmpPort: await findFreePort(),
      httpPort,
      dataDir: mkdtempSync(path.join(tmpdir(), "mf-nms-")),
      keyring,
      log: (l) => lines.push(l),
    });
    await nms.start();
  }, 30_000);
  afterAll(() => nms?.stop());

  it("accepts a publish with a signed key and plays it as FLV", async () => {
    const sp = cameraStreamPath(7);
    const p = push(nms.publishUrl(sp, 60), 10);
    let got = { status: 0, bytes: Buffer.alloc(0) };
    for (let i = 0; i < 20 && got.bytes.length < 4096; i++) {
      await new Promise((r) => setTimeout(r, 500));
      got = await firstBytes(nmsFlvUrl(httpPort, sp, nmsPlaySecret(keyring)));
    }
    expect(got.status).toBe(200);
    expect(got.bytes.subarray(0, 3).toString("latin1")).toBe("FLV");
    expect(got.bytes.length).toBeGreaterThanOrEqual(4096);
    // Without node-media-server's play signature: nothing.
    const unsigned = await firstBytes(`http://127.0.0.1:${httpPort}${sp}.flv`, 16, 3000);
    expect(unsigned.bytes.subarray(0, 3).toString("latin1")).not.toBe("FLV");
    p.child.kill("SIGTERM");
    await p.exit;
  }, 40_000);

  it("lets the ingest pull a push camera with the play signature, and nobody without it", async () => {
    const sp = pushStreamPath(5);
    const p = push(nms.publishUrl(sp, 60), 12);
    const plain = `rtmp://127.0.0.1:${nms.rtmpPort}${sp}`;
    const signed = nms.signPull(plain);
    expect(signed).toMatch(/\?sign=\d+-[0-9a-f]{32}$/);
    expect(nms.signPull("rtsp://127.0.0.1:554/x")).toBe("rtsp://127.0.0.1:554/x");
    let codec = "";
    for (let i = 0; i < 10 && codec !== "h264"; i++) {
      await new Promise((r) => setTimeout(r, 700));
      codec = await probe(signed);
    }
    expect(codec).toBe("h264");
    expect(await probe(plain)).toBe("");
    p.child.kill("SIGTERM");
    await p.exit;
  }, 40_000);

  it.each([
    ["forged", (_sp: string) => `${Math.floor(Date.now() / 1000) + 60}.${"0".repeat(64)}`],
    ["expired", (sp: string) => signPublishKey(keyring.mediaToken, sp, 10, Date.now() - 60_000)],
    ["for another stream", () => signPublishKey(keyring.mediaToken, cameraStreamPath(99), 60)],
    ["missing", () => ""],
  ])(
    "refuses a publish whose key is %s",
    async (_why, key) => {
      const sp = cameraStreamPath(8);
      const url = `rtmp://127.0.0.1:${nms.rtmpPort}${sp}${key(sp) ? `?key=${key(sp)}` : ""}`;
      const p = push(url, 5);
      const code = await p.exit;
      expect(code).not.toBe(0);
      expect(lines.some((l) => l.includes(`publish to ${sp} refused`))).toBe(true);
    },
    30_000,
  );
});
