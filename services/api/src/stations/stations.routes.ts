import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ErrorBody, IdParams, StationView } from "@mingfang/core";
import { Type } from "typebox";
import type { ApiDeps } from "../context.js";
import { notFound } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { StationRepository } from "./station.repository.js";
import { stationView } from "./station.views.js";

export const stationRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  const stations = new StationRepository(db);

  app.get(
    "/api/stations",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["stations"],
        summary: "The 18 supervision stations with their 2022 targets (Annex 1)",
        response: { 200: Type.Object({ items: Type.Array(StationView) }), 401: ErrorBody },
      },
    },
    async (req) => {
      can(currentUser(req), "station.read", "station");
      return { items: (await stations.list()).map(stationView) };
    },
  );

  app.get(
    "/api/stations/:id",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["stations"],
        params: IdParams,
        response: { 200: StationView, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      can(currentUser(req), "station.read", "station");
      const s = await stations.find(req.params.id);
      if (!s) throw notFound("station");
      return stationView(s);
    },
  );
};
