/**
 * Hardening of every answer: security headers by @fastify/helmet with the one Content-Security-Policy the
 * console passes; CORS off unless CORS_ORIGINS lists origins; /metrics and /api/docs kept to the internal
 * listener when INTERNAL_PORT is set (`startInternalListener`, started by the caller after `listen`).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import helmet from "@fastify/helmet";
import type { Config } from "@mingfang/core";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { notFound } from "../errors.js";

/**
 * The policy of every answer, the console's pages first among them: scripts only from this origin (no
 * inline script, no eval); workers and media from `blob:` (hls.js and mpegts.js feed Media Source
 * Extensions from workers); styles may be inline (Element Plus positions popovers with style attributes);
 * no framing.
 */
export const CSP_DIRECTIVES: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", "data:", "blob:"],
  mediaSrc: ["'self'", "blob:"],
  workerSrc: ["'self'", "blob:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", "data:"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Served on the internal listener only when there is one. */
const INTERNAL_PATHS = /^\/(metrics|api\/docs)(\/|\?|$)/;
/** Marks the sockets the internal listener accepted. */
const INTERNAL = Symbol("mingfang.internalSocket");

/** CORS_ORIGINS as a set of origins (empty: CORS off). */
export function corsOrigins(config: Pick<Config, "CORS_ORIGINS">): Set<string> {
  return new Set(
    (config.CORS_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter(Boolean),
  );
}

/**
 * A listed origin gets its own origin back with credentials allowed; a preflight from it is answered here.
 * Nothing else gets an Access-Control-* header.
 */
function cors(app: FastifyInstance, origins: Set<string>): void {
  if (origins.size === 0) return;
  app.addHook("onRequest", async (req, reply) => {
    reply.header("vary", "Origin");
    const origin = req.headers.origin;
    if (!origin || !origins.has(origin)) return;
    reply.header("access-control-allow-origin", origin).header("access-control-allow-credentials", "true");
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
      reply
        .header("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE")
        .header("access-control-allow-headers", "content-type")
        .header("access-control-max-age", "600");
      return reply.status(204).send();
    }
  });
}

/** With INTERNAL_PORT, /metrics and /api/docs answer 404 unless asked on the internal listener. */
function internalOnly(app: FastifyInstance, config: Pick<Config, "INTERNAL_PORT">): void {
  if (config.INTERNAL_PORT === undefined) return;
  app.addHook("onRequest", async (req) => {
    if (INTERNAL_PATHS.test(req.url) && !(req.raw.socket as Socket & { [INTERNAL]?: true })[INTERNAL]) {
      throw notFound(`route ${req.method} ${req.url.split("?")[0]}`);
    }
  });
}

export const securityPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      // Video and images from this origin only; no cross-origin isolation needed (no SharedArrayBuffer).
      crossOriginEmbedderPolicy: false,
      frameguard: { action: "deny" },
      referrerPolicy: { policy: "same-origin" },
      // HSTS only when the platform is known to be behind HTTPS (COOKIE_SECURE): a demo on http stays reachable.
      strictTransportSecurity: config.COOKIE_SECURE
        ? { maxAge: 15_552_000, includeSubDomains: false }
        : false,
    });
    cors(app, corsOrigins(config));
    internalOnly(app, config);
  },
  { name: "security" },
);

export interface InternalListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The operators' listener on INTERNAL_HOST:INTERNAL_PORT: the same routes as the API (after `app.ready()`),
 * /metrics and /api/docs among them.
 */
export async function startInternalListener(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<InternalListener> {
  await app.ready();
  const server = http.createServer((req, res) => app.routing(req, res));
  server.on("connection", (socket: Socket & { [INTERNAL]?: true }) => {
    socket[INTERNAL] = true;
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
