/**
 * Sign-in and sign-out, the signed-in user, and changing one's own password. Sign-in is limited per user name
 * and per address (LoginLimiter); every attempt is audited.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ErrorBody, LoginBody, UserView } from "@mingfang/core";
import { dummyHash, hashPassword, verifyPassword } from "@mingfang/db";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { HttpError } from "../errors.js";
import { currentUser } from "../plugins/auth.plugin.js";
import { UserRepository } from "../users/user.repository.js";
import { userView } from "../users/user.views.js";
import { LoginLimiter } from "./login-limiter.js";

const INVALID = "Invalid username or password";

interface AuthContext {
  users: UserRepository;
  audit: AuditRepository;
  limiter: LoginLimiter;
  /** The absolute lifetime of a session. */
  ttlMs: number;
}

export const authRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const ctx: AuthContext = {
    users: new UserRepository(deps.db),
    audit: new AuditRepository(deps.db),
    limiter: new LoginLimiter(deps.redis, {
      maxPerUser: deps.config.LOGIN_MAX_FAILURES_PER_USER,
      maxPerIp: deps.config.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: deps.config.LOGIN_WINDOW_MINUTES * 60,
    }),
    ttlMs: deps.config.SESSION_TTL_HOURS * 3600_000,
  };
  loginRoute(app, ctx);
  logoutRoute(app, ctx);
  meRoute(app, ctx);
  changePasswordRoute(app, ctx);
};

function loginRoute(app: RouteApp, { users, audit, limiter, ttlMs }: AuthContext): void {
  app.post(
    "/api/auth/login",
    {
      schema: {
        tags: ["auth"],
        summary: "Sign in; sets the session cookie",
        body: LoginBody,
        response: { 200: Type.Object({ user: UserView }), 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const username = req.body.username.trim().toLowerCase();
      // Counted before the password is checked: parallel attempts cannot outrun the limit.
      const locked = await limiter.attempt(username, req.ip);
      if (locked > 0) {
        await audit.record({
          actorId: null,
          actorUsername: username,
          action: "auth.login_locked",
          ip: req.ip,
        });
        reply.header("retry-after", String(locked));
        throw new HttpError(429, "too_many_attempts", "Too many failed sign-ins; try again later");
      }
      const user = await users.findByUsername(username);
      // Same work and the same answer for an unknown user, a disabled user and a wrong password.
      const ok = await verifyPassword(user?.password_hash ?? (await dummyHash()), req.body.password);
      if (!user || !ok || user.disabled) {
        await audit.record({
          actorId: null,
          actorUsername: username,
          action: "auth.login_failed",
          ip: req.ip,
        });
        throw new HttpError(401, "invalid_credentials", INVALID);
      }
      await limiter.succeed(username, req.ip);
      const token = await app.sessions.create(user.id, ttlMs, req.ip, req.headers["user-agent"] ?? null);
      app.setSessionCookie(reply, token);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "auth.login",
        stationId: user.station_id,
        ip: req.ip,
      });
      return { user: userView(user) };
    },
  );
}

function logoutRoute(app: RouteApp, { audit }: AuthContext): void {
  app.post(
    "/api/auth/logout",
    { schema: { tags: ["auth"], summary: "Sign out", response: { 204: Type.Null() } } },
    async (req, reply) => {
      if (req.user) {
        await app.sessions.delete(req.user.sessionId);
        await audit.record({
          actorId: req.user.id,
          actorUsername: req.user.username,
          action: "auth.logout",
          ip: req.ip,
        });
      }
      app.clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );
}

function meRoute(app: RouteApp, { users }: AuthContext): void {
  app.get(
    "/api/me",
    {
      preHandler: app.authenticate,
      schema: { tags: ["auth"], summary: "The signed-in user", response: { 200: UserView, 401: ErrorBody } },
    },
    async (req) => {
      const user = await users.findById(currentUser(req).id);
      if (!user) throw new HttpError(401, "unauthorized", "Sign in first");
      return userView(user);
    },
  );
}

function changePasswordRoute(app: RouteApp, { users, audit, ttlMs }: AuthContext): void {
  app.post(
    "/api/me/password",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["auth"],
        summary: "Change one's own password; ends every other session",
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
            newPassword: Type.String({ minLength: 8, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (req, reply) => {
      const me = currentUser(req);
      const user = await users.findById(me.id);
      if (!user || !(await verifyPassword(user.password_hash, req.body.currentPassword))) {
        throw new HttpError(400, "wrong_password", "The current password is not correct", "currentPassword");
      }
      await users.setPassword(me.id, await hashPassword(req.body.newPassword));
      await app.sessions.deleteForUser(me.id);
      const token = await app.sessions.create(me.id, ttlMs, req.ip, req.headers["user-agent"] ?? null);
      app.setSessionCookie(reply, token);
      await audit.record({
        actorId: me.id,
        actorUsername: me.username,
        action: "user.password_changed",
        targetType: "user",
        targetId: me.id,
        ip: req.ip,
      });
      return reply.status(204).send(null);
    },
  );
}
