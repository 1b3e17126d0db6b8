/**
 * `GET /api/dashboard` (监管看板): the plan's four targets per station and the supervision figures of a
 * period. The bureau and the brigade see every station; a station's user its own station's row and the
 * district beside it (another station's id is a 404, as for any of its resources).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { DashboardQuery, DashboardView, ErrorBody, listScope } from "@mingfang/core";
import type { ApiDeps } from "../context.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { DashboardService } from "./dashboard.service.js";

export const dashboardRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, redis }) => {
  const service = new DashboardService(db, redis);
  app.get(
    "/api/dashboard",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["dashboard"],
        summary:
          "The plan's targets per station and the supervision figures of a period (default: this year)",
        querystring: DashboardQuery,
        response: { 200: DashboardView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const user = currentUser(req);
      can(user, "dashboard.read", "station");
      if (req.query.stationId !== undefined)
        can(user, "dashboard.read", "station", { stationId: req.query.stationId });
      return service.view(req.query, listScope(user, "dashboard.read"));
    },
  );
};
