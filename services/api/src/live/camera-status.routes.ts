/**
 * A camera's status as the ingest reports it in Redis. `GET /api/cameras/status`: every camera the user may
 * see, in one answer (one MGET), so that a video wall of 42 cameras does not ask 42 times;
 * `GET /api/cameras/:id/status`: one camera. A camera no ingest reports on is `offline` (or `disabled`) in both.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { CameraStatus, ErrorBody, IdParams, listScope, REDIS_KEYS } from "@mingfang/core";
import { Type } from "typebox";
import { CameraRepository } from "../cameras/camera.repository.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { cameraStatusOf } from "./camera-status.js";
import { CameraStatusRepository } from "./camera-status.repository.js";

const StatusQuery = Type.Object(
  { stationId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })) },
  { additionalProperties: false },
);

const StatusList = Type.Object({ items: Type.Array(CameraStatus) });

const StatusView = Type.Union([CameraStatus]);

function oneCameraStatusRoute(app: RouteApp, { db, redis }: Pick<ApiDeps, "db" | "redis">): void {
  const cameras = new CameraRepository(db);
  app.get(
    "/api/cameras/:id/status",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary: "The camera's status as the ingest reports it (offline when no ingest reports it)",
        params: IdParams,
        response: { 200: StatusView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const c = await cameras.findOrThrow(req.params.id);
      can(currentUser(req), "camera.read", "camera", { stationId: c.station_id });
      return cameraStatusOf(c, await redis.get(REDIS_KEYS.cameraStatus(c.id)), new Date());
    },
  );
}

export const cameraStatusRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  allCameraStatusRoute(app, deps);
  oneCameraStatusRoute(app, deps);
};

function allCameraStatusRoute(app: RouteApp, { db, redis }: Pick<ApiDeps, "db" | "redis">): void {
  const repo = new CameraStatusRepository(db);
  app.get(
    "/api/cameras/status",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary: "The status of every camera the user may see (optionally of one station), in one answer",
        querystring: StatusQuery,
        response: { 200: StatusList, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const user = currentUser(req);
      can(user, "camera.read", "camera");
      const cams = await repo.visible(listScope(user, "camera.read"), req.query.stationId);
      if (cams.length === 0) return { items: [] };
      const raw = await redis.mget(...cams.map((c) => REDIS_KEYS.cameraStatus(c.id)));
      const now = new Date();
      return { items: cams.map((c, i) => cameraStatusOf(c, raw[i], now)) };
    },
  );
}
