/**
 * `GET /api/cameras/status`: the status of every camera the user may see, as the ingest reports it in
 * Redis, in one answer (one MGET), so that a video wall of 42 cameras does not ask 42 times. A camera no
 * ingest reports on is `offline` (or `disabled`), as `GET /api/cameras/:id/status` answers.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { CameraStatus, ErrorBody, listScope, REDIS_KEYS } from "@mingfang/core";
import { Type } from "typebox";
import type { ApiDeps } from "../context.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { cameraStatusOf } from "./camera-status.js";
import { CameraStatusRepository } from "./camera-status.repository.js";

const StatusQuery = Type.Object(
  { stationId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })) },
  { additionalProperties: false },
);

const StatusList = Type.Object({ items: Type.Array(CameraStatus) });

export const cameraStatusRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, redis }) => {
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
};
