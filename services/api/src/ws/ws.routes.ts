/**
 * `GET /ws`: the consoles' WebSocket. Authenticated by the session cookie before the upgrade (401
 * otherwise); `?since=<seq>` replays what the client missed. See ws-hub.ts for the protocol.
 */
import type { FastifyPluginAsync } from "fastify";
import { SESSION_COOKIE } from "../plugins/auth.plugin.js";
import type { WsHub } from "./ws-hub.js";

export interface WsRoutesOptions {
  hub: WsHub;
  idleMs: number;
}

export const wsRoutes: FastifyPluginAsync<WsRoutesOptions> = async (app, { hub, idleMs }) => {
  app.get(
    "/ws",
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (!req.user) return reply.code(401).send({ error: "unauthorized", message: "Sign in first" });
        const since = (req.query as { since?: string }).since;
        if (since !== undefined && !/^\d{1,19}$/.test(since)) {
          return reply.code(400).send({
            error: "validation_failed",
            message: "querystring: 'since' must be a seq",
            field: "since",
          });
        }
      },
      schema: { hide: true },
    },
    (socket, req) => {
      const token = req.cookies[SESSION_COOKIE]!;
      const since = (req.query as { since?: string }).since ?? null;
      const revalidate = async () => {
        const s = await app.sessions.find(token);
        if (!s) return null;
        const now = Date.now();
        if (s.expiresAt.getTime() <= now || s.lastSeenAt.getTime() + idleMs <= now) return null;
        // An open console is activity.
        if (now - s.lastSeenAt.getTime() > 60_000) await app.sessions.touch(s.sessionId);
        return s;
      };
      void hub.attach(socket, req.user!, since, revalidate);
    },
  );
};
