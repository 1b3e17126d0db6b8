/**
 * Sessions: an httpOnly, SameSite=Strict cookie holding a random token; the server keeps its SHA-256,
 * the user, an absolute expiry and an idle expiry. Sign-out and password changes delete sessions.
 */
import { type Action, authorize, type Decision, type Principal, type ResourceScope } from "@mingfang/core";
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { SessionRepository, type SessionUser } from "../auth/session.repository.js";
import type { ApiDeps } from "../context.js";
import { forbidden, HttpError, notFound, unauthorized } from "../errors.js";

export const SESSION_COOKIE = "mingfang_session";
const TOUCH_EVERY_MS = 60_000;

declare module "fastify" {
  interface FastifyRequest {
    user: SessionUser | null;
  }
  interface FastifyInstance {
    sessions: SessionRepository;
    /** preHandler: 401 unless signed in. */
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    setSessionCookie: (reply: FastifyReply, token: string) => void;
    clearSessionCookie: (reply: FastifyReply) => void;
  }
}

/** The signed-in user, or 401. */
export function currentUser(req: FastifyRequest): SessionUser {
  if (!req.user) throw unauthorized();
  return req.user;
}

/** Apply a policy decision: 403 for a role that may never do it, 404 for another station's resource. */
export function enforce(decision: Decision, what: string): void {
  if (decision === "forbidden") throw forbidden();
  if (decision === "not_found") throw notFound(what);
}

export function can(p: Principal, action: Action, what: string, resource?: ResourceScope): void {
  enforce(authorize(p, action, resource), what);
}

export const authPlugin = fp<ApiDeps>(
  async (app, deps) => {
    const sessions = new SessionRepository(deps.db);
    const ttlMs = deps.config.SESSION_TTL_HOURS * 3600_000;
    const idleMs = deps.config.SESSION_IDLE_MINUTES * 60_000;
    app.decorate("sessions", sessions);
    app.decorateRequest("user", null);

    app.decorate("setSessionCookie", (reply: FastifyReply, token: string) => {
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: "strict",
        secure: deps.config.COOKIE_SECURE,
        path: "/",
        maxAge: Math.floor(ttlMs / 1000),
      });
    });
    app.decorate("clearSessionCookie", (reply: FastifyReply) => {
      reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "strict" });
    });

    app.addHook("onRequest", async (req) => {
      const token = req.cookies[SESSION_COOKIE];
      if (!token || token.length > 100) return;
      const s = await sessions.find(token);
      if (!s) return;
      const now = Date.now();
      if (s.expiresAt.getTime() <= now || s.lastSeenAt.getTime() + idleMs <= now) {
        await sessions.delete(s.sessionId);
        return;
      }
      if (now - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) await sessions.touch(s.sessionId);
      req.user = s;
    });

    app.decorate("authenticate", async (req: FastifyRequest) => {
      if (!req.user) throw new HttpError(401, "unauthorized", "Sign in first");
    });

    const sweep = setInterval(() => {
      sessions.deleteExpired(idleMs).catch((err) => app.log.warn({ err }, "session sweep failed"));
    }, 10 * 60_000);
    sweep.unref();
    app.addHook("onClose", async () => clearInterval(sweep));
  },
  { name: "auth" },
);
