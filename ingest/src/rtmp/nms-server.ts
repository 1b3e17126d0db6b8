/**
 * Runs node-media-server (RTMP in; HTTP-FLV / WebSocket-FLV out) as a tethered child process and signs the
 * URLs that talk to it: publish keys of our own (HMAC, see signPublishKey) and, for the API's FLV proxy
 * only, node-media-server's play signature.
 */
import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import { type Keyring, nmsPlaySecret, nmsPlaySign, signPublishKey } from "@mingfang/core";
import { spawnTethered, type TetheredProcess } from "@mingfang/process";

export { cameraStreamPath, nmsFlvUrl, nmsPlaySecret } from "@mingfang/core";

/** The runner is compiled JavaScript: from src (tests) use the built copy in dist. */
const RUNNER = fileURLToPath(new URL("./nms.runner.js", import.meta.url)).replace(
  /\/ingest\/src\/rtmp\//,
  "/ingest/dist/rtmp/",
);

/** Terminal colour codes (ESC [ … m). */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

export interface NmsOptions {
  bind: string;
  rtmpPort: number;
  httpPort: number;
  dataDir: string;
  keyring: Keyring;
  log?: (line: string) => void;
}

export class NmsServer {
  private proc: TetheredProcess | undefined;

  constructor(private readonly o: NmsOptions) {}

  get rtmpPort(): number {
    return this.o.rtmpPort;
  }

  /** An RTMP URL that may publish `streamPath` for `ttlSeconds`. */
  publishUrl(streamPath: string, ttlSeconds: number, host = "127.0.0.1"): string {
    return `rtmp://${host}:${this.o.rtmpPort}${streamPath}?key=${signPublishKey(this.o.keyring.mediaToken, streamPath, ttlSeconds)}`;
  }

  /**
   * A pull from this server (`rtmp://127.0.0.1:<port>/live/...`, a push camera's sourceUrl) gets the play
   * signature node-media-server wants; any other URL is returned as it is.
   */
  signPull(url: string): string {
    const m = new RegExp(`^rtmp://(127\\.0\\.0\\.1|localhost):${this.o.rtmpPort}(/live/[^?]+)$`).exec(url);
    if (!m) return url;
    return `${url}?sign=${nmsPlaySign(m[2]!, nmsPlaySecret(this.o.keyring))}`;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    mkdirSync(this.o.dataDir, { recursive: true });
    const config = {
      bind: this.o.bind,
      rtmpPort: this.o.rtmpPort,
      httpPort: this.o.httpPort,
      dataDir: this.o.dataDir,
      keyHex: this.o.keyring.mediaToken.toString("hex"),
      playSecret: nmsPlaySecret(this.o.keyring),
    };
    const tail: string[] = [];
    this.proc = spawnTethered(process.execPath, [RUNNER], {
      env: { ...process.env, MINGFANG_NMS: JSON.stringify(config) },
      logLine: (_s, line) => {
        // node-media-server logs at debug, in colour: keep only our lines and its errors.
        const clean = line.replace(ANSI_COLOUR, "");
        tail.push(clean);
        if (tail.length > 20) tail.shift();
        if (/mingfang:|error|in use/i.test(clean)) this.o.log?.(clean);
      },
    });
    const end = Date.now() + timeoutMs;
    let exited = false;
    void this.proc.exited.then(() => {
      exited = true;
    });
    for (;;) {
      if (exited) throw new Error(`node-media-server exited: ${tail.slice(-5).join(" | ")}`);
      if ((await canConnect(this.o.rtmpPort)) && (await canConnect(this.o.httpPort))) return;
      if (Date.now() > end) {
        await this.stop();
        throw new Error(
          `node-media-server did not listen within ${timeoutMs} ms: ${tail.slice(-5).join(" | ")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p) await p.stop(3000);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}
