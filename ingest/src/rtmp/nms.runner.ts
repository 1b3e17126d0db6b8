/**
 * node-media-server in a process of its own (it keeps module-wide state and forces its logger to debug):
 * RTMP in on RTMP_PORT, HTTP-FLV / WebSocket-FLV out on 127.0.0.1 only (the API proxies it with its own
 * media tokens). Every publish must carry our signed key (`?key=`, see signPublishKey); anything else is
 * closed at once. Started tethered by NmsServer; configuration in MINGFANG_NMS (JSON).
 */
import { verifyPublishKey } from "@mingfang/core";
import NodeMediaServer from "node-media-server";

interface RunnerConfig {
  /** One address for RTMP and HTTP-FLV (node-media-server has a single `bind`). */
  bind: string;
  rtmpPort: number;
  httpPort: number;
  dataDir: string;
  /** The media-token key, hex: verifies publish keys. */
  keyHex: string;
  /** node-media-server's own play signing secret: only the API's FLV proxy knows it (the hop is internal). */
  playSecret: string;
}

const cfg = JSON.parse(process.env.MINGFANG_NMS ?? "{}") as RunnerConfig;
const key = Buffer.from(cfg.keyHex, "hex");
delete process.env.MINGFANG_NMS;

const nms = new NodeMediaServer({
  bind: cfg.bind,
  rtmp: { port: cfg.rtmpPort, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
  http: { port: cfg.httpPort, allow_origin: "" },
  // Playback needs node-media-server's signature, which only our API's proxy makes: the FLV port is never an
  // open door even when `bind` is not loopback. Publishing is checked with our own keys below.
  auth: { play: true, publish: false, secret: cfg.playSecret },
  webadmin: { enable: false },
  record: { auto: false, path: `${cfg.dataDir}/record` },
  store: { path: cfg.dataDir },
});

nms.on("prePublish", (session) => {
  const check = verifyPublishKey(key, session.streamPath, session.streamQuery?.key);
  if (check !== "ok") {
    process.stderr.write(`mingfang: publish to ${session.streamPath} refused: key ${check}\n`);
    session.close();
  }
});

process.on("SIGTERM", () => {
  void Promise.resolve(nms.stop()).finally(() => process.exit(0));
});

void nms.run();
process.stderr.write(`mingfang: node-media-server ready rtmp=${cfg.rtmpPort} http=${cfg.httpPort}\n`);
