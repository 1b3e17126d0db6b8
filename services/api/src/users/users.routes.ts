/** `/api/users`: user management, for the bureau admin only (`user.manage`). Every change is audited. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  ErrorBody,
  IdParams,
  Page,
  roleNeedsStation,
  UserCreateBody,
  UserListQuery,
  UserUpdateBody,
  UserView,
} from "@mingfang/core";
import { hashPassword } from "@mingfang/db";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { StationRepository } from "../stations/station.repository.js";
import { UserRepository } from "./user.repository.js";
import { userView } from "./user.views.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

interface UserContext {
  users: UserRepository;
  audit: AuditRepository;
  /** The station a user of this role gets (null for a district-wide role), or a 400 naming `stationId`. */
  checkScope: (role: string, stationId: number | null | undefined) => Promise<number | null>;
}

export const userRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  const stations = new StationRepository(db);
  const ctx: UserContext = {
    users: new UserRepository(db),
    audit: new AuditRepository(db),
    checkScope: (role, stationId) => checkScope(stations, role, stationId),
  };
  app.addHook("preHandler", app.authenticate);
  app.addHook("preHandler", async (req) => can(currentUser(req), "user.manage", "user"));
  listUsers(app, ctx);
  getUser(app, ctx);
  createUser(app, ctx);
  updateUser(app, ctx);
  deleteUser(app, ctx);
};

async function checkScope(
  stations: StationRepository,
  role: string,
  stationId: number | null | undefined,
): Promise<number | null> {
  const needs = roleNeedsStation(role as Parameters<typeof roleNeedsStation>[0]);
  if (needs && (stationId === null || stationId === undefined)) {
    throw badRequest("stationId", `body: role '${role}' needs a stationId`);
  }
  if (!needs && stationId !== null && stationId !== undefined) {
    throw badRequest("stationId", `body: role '${role}' has no station`);
  }
  if (needs && !(await stations.exists(stationId!))) throw badRequest("stationId", "body: no such station");
  return needs ? stationId! : null;
}

function listUsers(app: RouteApp, { users }: UserContext): void {
  app.get(
    "/api/users",
    { schema: { tags: ["users"], querystring: UserListQuery, response: { 200: Page(UserView), ...errors } } },
    async (req) => {
      const { items, total } = await users.list(req.query);
      return { items: items.map(userView), total, page: req.query.page, pageSize: req.query.pageSize };
    },
  );
}

function getUser(app: RouteApp, { users }: UserContext): void {
  app.get(
    "/api/users/:id",
    { schema: { tags: ["users"], params: IdParams, response: { 200: UserView, ...errors } } },
    async (req) => {
      const u = await users.findById(req.params.id);
      if (!u) throw notFound("user");
      return userView(u);
    },
  );
}

function createUser(app: RouteApp, { users, audit, checkScope }: UserContext): void {
  app.post(
    "/api/users",
    { schema: { tags: ["users"], body: UserCreateBody, response: { 201: UserView, ...errors } } },
    async (req, reply) => {
      const me = currentUser(req);
      const stationId = await checkScope(req.body.role, req.body.stationId);
      const u = await users.create({
        username: req.body.username,
        display_name: req.body.displayName,
        password_hash: await hashPassword(req.body.password),
        role: req.body.role,
        station_id: stationId,
      });
      await audit.record({
        actorId: me.id,
        actorUsername: me.username,
        action: "user.create",
        targetType: "user",
        targetId: u.id,
        stationId,
        ip: req.ip,
        detail: { username: u.username, role: u.role },
      });
      return reply.status(201).send(userView(u));
    },
  );
}

function updateUser(app: RouteApp, { users, audit, checkScope }: UserContext): void {
  app.patch(
    "/api/users/:id",
    {
      schema: {
        tags: ["users"],
        params: IdParams,
        body: UserUpdateBody,
        response: { 200: UserView, ...errors },
      },
    },
    async (req) => {
      const me = currentUser(req);
      const u = await users.findById(req.params.id);
      if (!u) throw notFound("user");
      const b = req.body;
      if (u.id === me.id && (b.disabled === true || (b.role !== undefined && b.role !== "bureau_admin"))) {
        throw badRequest(b.disabled ? "disabled" : "role", "body: you cannot disable or demote yourself");
      }
      const role = b.role ?? u.role;
      const stationId =
        b.role !== undefined || b.stationId !== undefined
          ? await checkScope(role, b.stationId === undefined ? u.station_id : b.stationId)
          : u.station_id;
      const updated = await users.update(u.id, {
        ...(b.displayName !== undefined ? { display_name: b.displayName } : {}),
        ...(b.password !== undefined ? { password_hash: await hashPassword(b.password) } : {}),
        ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
        role,
        station_id: stationId,
      });
      // A new password, a new role or a disabled account ends the user's sessions.
      if (
        b.password !== undefined ||
        b.disabled === true ||
        b.role !== undefined ||
        b.stationId !== undefined
      ) {
        await app.sessions.deleteForUser(u.id);
      }
      await audit.record({
        actorId: me.id,
        actorUsername: me.username,
        action: "user.update",
        targetType: "user",
        targetId: u.id,
        stationId,
        ip: req.ip,
        detail: { fields: Object.keys(b) },
      });
      return userView(updated!);
    },
  );
}

function deleteUser(app: RouteApp, { users, audit }: UserContext): void {
  app.delete(
    "/api/users/:id",
    { schema: { tags: ["users"], params: IdParams, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      const me = currentUser(req);
      if (req.params.id === me.id) throw badRequest("id", "params: you cannot delete yourself");
      const u = await users.findById(req.params.id);
      if (!u) throw notFound("user");
      await users.delete(u.id);
      await audit.record({
        actorId: me.id,
        actorUsername: me.username,
        action: "user.delete",
        targetType: "user",
        targetId: u.id,
        stationId: u.station_id,
        ip: req.ip,
        detail: { username: u.username },
      });
      return reply.status(204).send(null);
    },
  );
}
