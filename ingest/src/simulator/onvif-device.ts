/**
 * One simulated camera's ONVIF device service: plain HTTP + SOAP on 127.0.0.1 (see onvif-soap.ts for the
 * operations), and its snapshot JPEG (HTTP Basic with the camera's credentials, like most cameras).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type DeviceBehaviour, type DeviceDescription, handleSoap } from "./onvif-soap.js";

export interface OnvifDeviceOptions {
  host: string;
  /** 0 → a free port. */
  port: number;
  username: string;
  password: string;
  /** Built once the port is known. */
  describe: (port: number) => DeviceDescription;
  /** JPEG bytes of the snapshot per stream. */
  snapshot: (stream: "main" | "sub") => Buffer | undefined;
  behaviour?: DeviceBehaviour;
}

export const DEVICE_SERVICE_PATH = "/onvif/device_service";
export const MEDIA_SERVICE_PATH = "/onvif/media_service";
export const SNAPSHOT_PATH = "/onvif/snapshot.jpg";
const MAX_BODY = 256 * 1024;

export class OnvifDevice {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private description: DeviceDescription | undefined;
  private boundPort = 0;

  constructor(private readonly opts: OnvifDeviceOptions) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.opts.host}:${this.boundPort}${DEVICE_SERVICE_PATH}`;
  }

  get device(): DeviceDescription {
    if (!this.description) throw new Error("ONVIF device not started");
    return this.description;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Listens (again, on the same port after a stop). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.boundPort || this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.description ??= this.opts.describe(this.boundPort);
    this.server = server;
  }

  /** Stops listening and drops open connections (the camera is off). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://camera");
    if (req.method === "GET" && url.pathname === SNAPSHOT_PATH) {
      this.snapshot(req, res, url);
      return;
    }
    if (
      req.method !== "POST" ||
      (url.pathname !== DEVICE_SERVICE_PATH && url.pathname !== MEDIA_SERVICE_PATH)
    ) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (res.writableEnded) return;
      const reply = handleSoap(
        Buffer.concat(chunks).toString("utf8"),
        this.device,
        { username: this.opts.username, password: this.opts.password },
        this.opts.behaviour,
      );
      res.writeHead(reply.status, { "content-type": "application/soap+xml; charset=utf-8" }).end(reply.body);
    });
  }

  private snapshot(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const auth = req.headers.authorization ?? "";
    const [scheme, value] = auth.split(" ");
    const [user, ...rest] = Buffer.from(value ?? "", "base64")
      .toString("utf8")
      .split(":");
    if (
      scheme?.toLowerCase() !== "basic" ||
      user !== this.opts.username ||
      rest.join(":") !== this.opts.password
    ) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="mingfang-simulator"' }).end();
      return;
    }
    const jpeg = this.opts.snapshot(url.searchParams.get("profile") === "sub" ? "sub" : "main");
    if (!jpeg) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { "content-type": "image/jpeg", "content-length": jpeg.length }).end(jpeg);
  }
}
