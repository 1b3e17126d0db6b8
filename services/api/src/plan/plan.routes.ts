/**
 * A workshop's standing in the plan (章市监管发〔2022〕9号): `GET /api/workshops/:id/plan`, and its
 * demonstration title and enterprise upgrade, each set with PUT and withdrawn with DELETE. Another
 * station's workshop is a 404; a change needs `plan.update` and is audited with before and after.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { DemonstrationBody, ErrorBody, IdParams, UpgradeBody, WorkshopPlanView } from "@mingfang/core";
import type { FastifyRequest } from "fastify";
import type { ApiDeps, RouteApp } from "../context.js";
import { currentUser } from "../plugins/auth.plugin.js";
import { PlanService } from "./plan.service.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const actor = (req: FastifyRequest) => ({ user: currentUser(req), ip: req.ip });

export const planRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  const service = new PlanService(db);
  readPlan(app, service);
  demonstrationRoutes(app, service);
  upgradeRoutes(app, service);
};

function readPlan(app: RouteApp, service: PlanService): void {
  app.get(
    "/api/workshops/:id/plan",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["plan"],
        summary:
          "The workshop's demonstration title (示范/出彩小作坊) and upgrade to an enterprise (转企升级)",
        params: IdParams,
        response: { 200: WorkshopPlanView, ...errors },
      },
    },
    async (req) => service.read(currentUser(req), req.params.id),
  );
}

function demonstrationRoutes(app: RouteApp, service: PlanService): void {
  app.put(
    "/api/workshops/:id/demonstration",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["plan"],
        summary:
          "Mark the workshop a demonstration workshop (level, the day awarded, the decision's reference)",
        params: IdParams,
        body: DemonstrationBody,
        response: { 200: WorkshopPlanView, ...errors },
      },
    },
    async (req) => service.setDemonstration(actor(req), req.params.id, req.body),
  );
  app.delete(
    "/api/workshops/:id/demonstration",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["plan"],
        summary: "Withdraw the workshop's demonstration title",
        params: IdParams,
        response: { 200: WorkshopPlanView, ...errors },
      },
    },
    async (req) => service.clear(actor(req), req.params.id, "demonstration"),
  );
}

function upgradeRoutes(app: RouteApp, service: PlanService): void {
  app.put(
    "/api/workshops/:id/upgrade",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["plan"],
        summary: "Record the workshop's upgrade to an enterprise (the day, the new licence number)",
        params: IdParams,
        body: UpgradeBody,
        response: { 200: WorkshopPlanView, ...errors },
      },
    },
    async (req) => service.setUpgrade(actor(req), req.params.id, req.body),
  );
  app.delete(
    "/api/workshops/:id/upgrade",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["plan"],
        summary: "Withdraw the workshop's upgrade record",
        params: IdParams,
        response: { 200: WorkshopPlanView, ...errors },
      },
    },
    async (req) => service.clear(actor(req), req.params.id, "upgrade"),
  );
}
