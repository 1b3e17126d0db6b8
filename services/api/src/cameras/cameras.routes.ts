/**
 * `/api/cameras`: list, read, register, change and remove cameras. RBAC: another station's camera is a
 * 404; a change is announced to the ingest (only that camera's pipeline restarts) and audited.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  CameraCreateBody,
  CameraListQuery,
  type CameraUpdateBody,
  CameraUpdateBody as CameraUpdateSchema,
  CameraView,
  ErrorBody,
  IdParams,
  listScope,
  Page,
} from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { notFound } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { WorkshopRepository } from "../workshops/workshop.repository.js";
import { cameraColumns, checkPush, pushSource } from "./camera.columns.js";
import { CameraRepository } from "./camera.repository.js";
import { cameraView } from "./camera.views.js";
import { changesView, withNewTamperReference } from "./camera-rules.mapping.js";
import { publishCameraSpec } from "./camera-spec.publisher.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

interface CameraContext {
  deps: ApiDeps;
  repo: CameraRepository;
  workshops: WorkshopRepository;
  audit: AuditRepository;
  /** Tell the ingest that one camera changed: only that camera's pipeline restarts. */
  announce: (cameraId: number) => Promise<unknown>;
}

export const cameraRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db, redis, logger } = deps;
  const ctx: CameraContext = {
    deps,
    repo: new CameraRepository(db),
    workshops: new WorkshopRepository(db),
    audit: new AuditRepository(db),
    announce: (cameraId) => publishCameraSpec({ db, redis, logger }, cameraId),
  };
  listCameras(app, ctx);
  getCamera(app, ctx);
  createCamera(app, ctx);
  updateCamera(app, ctx);
  deleteCamera(app, ctx);
};

function listCameras(app: RouteApp, { repo }: CameraContext): void {
  app.get(
    "/api/cameras",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        summary: "Cameras the user may see (filters: stationId, workshopId, pilot, demoSite, area)",
        querystring: CameraListQuery,
        response: { 200: Page(CameraView), ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      can(user, "camera.read", "camera");
      const { items, total } = await repo.list(req.query, listScope(user, "camera.read"));
      return { items: items.map(cameraView), total, page: req.query.page, pageSize: req.query.pageSize };
    },
  );
}

function getCamera(app: RouteApp, { repo }: CameraContext): void {
  app.get(
    "/api/cameras/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["cameras"], params: IdParams, response: { 200: CameraView, ...errors } },
    },
    async (req) => {
      const c = await repo.findOrThrow(req.params.id);
      can(currentUser(req), "camera.read", "camera", { stationId: c.station_id });
      return cameraView(c);
    },
  );
}

function createCamera(app: RouteApp, { deps, repo, workshops, audit, announce }: CameraContext): void {
  const { config, keyring } = deps;
  app.post(
    "/api/cameras",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        summary: "Register a camera; credentials in the URL are encrypted at rest and never returned",
        body: CameraCreateBody,
        response: { 201: CameraView, ...errors },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const stationId = await workshops.stationOf(req.body.workshopId);
      if (stationId === undefined) throw notFound("workshop");
      can(user, "workshop.read", "workshop", { stationId });
      can(user, "camera.create", "workshop", { stationId });
      const { workshopId, ...rest } = req.body;
      checkPush(rest, config.RTMP_PORT);
      const cols = cameraColumns(rest, keyring);
      const id = await repo.create({
        ...cols,
        workshop_id: workshopId,
        name: req.body.name,
        area: req.body.area,
      });
      if (rest.push) await repo.update(id, pushSource(id, config.RTMP_PORT, keyring));
      await announce(id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.create",
        targetType: "camera",
        targetId: id,
        stationId,
        ip: req.ip,
        detail: {
          workshopId,
          name: req.body.name,
          area: req.body.area,
          ...(rest.push ? { push: true } : {}),
        },
      });
      return reply.status(201).send(cameraView(await repo.findOrThrow(id)));
    },
  );
}

function updateCamera(app: RouteApp, { deps, repo, audit, announce }: CameraContext): void {
  const { config, keyring } = deps;
  app.patch(
    "/api/cameras/:id",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        params: IdParams,
        body: CameraUpdateSchema,
        response: { 200: CameraView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const body = req.body as CameraUpdateBody;
      const c = await repo.findOrThrow(req.params.id);
      // Read first: a role that may not update sees another station's camera as missing (404, not 403).
      can(user, "camera.read", "camera", { stationId: c.station_id });
      can(user, "camera.update", "camera", { stationId: c.station_id });
      checkPush(body, config.RTMP_PORT);
      await repo.update(c.id, {
        ...cameraColumns(body, keyring),
        ...(body.push ? pushSource(c.id, config.RTMP_PORT, keyring) : {}),
        // Another stream, or a deliberate re-aim: the tamper check learns a new reference picture.
        ...(changesView(body) ? { analytics: JSON.stringify(withNewTamperReference(c.analytics)) } : {}),
      });
      await announce(c.id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.update",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        // Field names only: never the values (they may hold credentials).
        detail: { fields: Object.keys(body) },
      });
      return cameraView(await repo.findOrThrow(c.id));
    },
  );
}

function deleteCamera(app: RouteApp, { repo, audit, announce }: CameraContext): void {
  app.delete(
    "/api/cameras/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["cameras"], params: IdParams, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const c = await repo.findOrThrow(req.params.id);
      can(user, "camera.read", "camera", { stationId: c.station_id });
      can(user, "camera.delete", "camera", { stationId: c.station_id });
      await repo.delete(c.id);
      await announce(c.id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.delete",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        detail: { name: c.name },
      });
      return reply.status(204).send(null);
    },
  );
}
