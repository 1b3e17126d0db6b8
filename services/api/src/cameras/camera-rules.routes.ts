/**
 * `GET|PATCH /api/cameras/:id/rules`: a camera's working hours and per-check thresholds, as the zone editor
 * edits them. RBAC as the camera routes (read to see, update to change; another station's camera is a 404).
 * The analytics worker reads the row again within 30 s (its per-camera cache): no restart, and no ingest
 * announcement (the video pipeline does not depend on these).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { CameraRulesBody, CameraRulesView, ErrorBody, IdParams } from "@mingfang/core";
import { AuditRepository } from "../audit/audit.repository.js";
import type { ApiDeps } from "../context.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { CameraRepository } from "./camera.repository.js";
import { analyticsWith, rulesView } from "./camera-rules.mapping.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const cameraRulesRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  const repo = new CameraRepository(db);
  const audit = new AuditRepository(db);

  app.get(
    "/api/cameras/:id/rules",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        summary: "The camera's working hours and per-check threshold overrides (null: the default)",
        params: IdParams,
        response: { 200: CameraRulesView, ...errors },
      },
    },
    async (req) => {
      const c = await repo.findOrThrow(req.params.id);
      can(currentUser(req), "camera.read", "camera", { stationId: c.station_id });
      return rulesView(c.id, c);
    },
  );

  app.patch(
    "/api/cameras/:id/rules",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        summary:
          "Change the camera's working hours (null: the workshop's) and check overrides (a null field: back to the default)",
        params: IdParams,
        body: CameraRulesBody,
        response: { 200: CameraRulesView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const c = await repo.findOrThrow(req.params.id);
      can(user, "camera.read", "camera", { stationId: c.station_id });
      can(user, "camera.update", "camera", { stationId: c.station_id });
      const analytics = analyticsWith(c.analytics, req.body);
      await repo.update(c.id, {
        ...(req.body.schedule !== undefined
          ? { schedule: req.body.schedule === null ? null : JSON.stringify(req.body.schedule) }
          : {}),
        ...(analytics !== undefined
          ? { analytics: analytics === null ? null : JSON.stringify(analytics) }
          : {}),
      });
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.update",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        detail: { fields: Object.keys(req.body).map((k) => `rules.${k}`) },
      });
      return rulesView(c.id, await repo.findOrThrow(c.id));
    },
  );
};
