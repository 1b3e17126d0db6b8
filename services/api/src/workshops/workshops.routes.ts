/**
 * `/api/workshops`: list, read, register, change and remove workshops. RBAC: another station's workshop is
 * a 404; moving a workshop needs the right in both stations. Every change is audited.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  ErrorBody,
  IdParams,
  listScope,
  Page,
  WorkshopCreateBody,
  WorkshopListQuery,
  type WorkshopUpdateBody,
  WorkshopUpdateBody as WorkshopUpdateSchema,
  WorkshopView,
} from "@mingfang/core";
import type { WorkshopUpdate } from "@mingfang/db";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import { publishWorkshopCameraSpecs } from "../cameras/camera-spec.publisher.js";
import type { ApiDeps, RouteApp } from "../context.js";
import { badRequest } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { StationRepository } from "../stations/station.repository.js";
import { WorkshopRepository } from "./workshop.repository.js";
import { workshopView } from "./workshop.views.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function workshopColumns(b: WorkshopUpdateBody): WorkshopUpdate {
  const out: WorkshopUpdate = {};
  if (b.stationId !== undefined) out.station_id = b.stationId;
  if (b.name !== undefined) out.name = b.name;
  if (b.licenceNo !== undefined) out.licence_no = b.licenceNo;
  if (b.address !== undefined) out.address = b.address;
  if (b.category !== undefined) out.category = b.category;
  if (b.riskLevel !== undefined) out.risk_level = b.riskLevel;
  if (b.coldChain !== undefined) out.cold_chain = b.coldChain;
  if (b.demoSite !== undefined) out.demo_site = b.demoSite;
  if (b.pilot !== undefined) out.pilot = b.pilot;
  if (b.operatorName !== undefined) out.operator_name = b.operatorName;
  if (b.phone !== undefined) out.phone = b.phone;
  if (b.employees !== undefined) out.employees = b.employees;
  if (b.workingHours !== undefined)
    out.working_hours = b.workingHours === null ? null : JSON.stringify(b.workingHours);
  return out;
}

interface WorkshopContext {
  deps: ApiDeps;
  repo: WorkshopRepository;
  stations: StationRepository;
  audit: AuditRepository;
}

export const workshopRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  const ctx: WorkshopContext = {
    deps,
    repo: new WorkshopRepository(db),
    stations: new StationRepository(db),
    audit: new AuditRepository(db),
  };
  listWorkshops(app, ctx);
  getWorkshop(app, ctx);
  createWorkshop(app, ctx);
  updateWorkshop(app, ctx);
  deleteWorkshop(app, ctx);
};

function listWorkshops(app: RouteApp, { repo }: WorkshopContext): void {
  app.get(
    "/api/workshops",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["workshops"],
        summary: "Workshops the user may see (filters: stationId, pilot, demoSite, coldChain, riskLevel, q)",
        querystring: WorkshopListQuery,
        response: { 200: Page(WorkshopView), ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      can(user, "workshop.read", "workshop");
      const { items, total } = await repo.list(req.query, listScope(user, "workshop.read"));
      return { items: items.map(workshopView), total, page: req.query.page, pageSize: req.query.pageSize };
    },
  );
}

function getWorkshop(app: RouteApp, { repo }: WorkshopContext): void {
  app.get(
    "/api/workshops/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["workshops"], params: IdParams, response: { 200: WorkshopView, ...errors } },
    },
    async (req) => {
      const w = await repo.findOrThrow(req.params.id);
      can(currentUser(req), "workshop.read", "workshop", { stationId: w.station_id });
      return workshopView(w);
    },
  );
}

function createWorkshop(app: RouteApp, { repo, stations, audit }: WorkshopContext): void {
  app.post(
    "/api/workshops",
    {
      preHandler: app.authenticate,
      schema: { tags: ["workshops"], body: WorkshopCreateBody, response: { 201: WorkshopView, ...errors } },
    },
    async (req, reply) => {
      const user = currentUser(req);
      can(user, "workshop.create", "station", { stationId: req.body.stationId });
      if (!(await stations.exists(req.body.stationId)))
        throw badRequest("stationId", "body: no such station");
      const cols = workshopColumns(req.body);
      const id = await repo.create({
        ...(cols as Required<
          Pick<WorkshopUpdate, "station_id" | "name" | "licence_no" | "address" | "category" | "risk_level">
        >),
        ...cols,
      } as Parameters<WorkshopRepository["create"]>[0]);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "workshop.create",
        targetType: "workshop",
        targetId: id,
        stationId: req.body.stationId,
        ip: req.ip,
        detail: { name: req.body.name, licenceNo: req.body.licenceNo },
      });
      return reply.status(201).send(workshopView(await repo.findOrThrow(id)));
    },
  );
}

function updateWorkshop(app: RouteApp, { deps, repo, stations, audit }: WorkshopContext): void {
  app.patch(
    "/api/workshops/:id",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["workshops"],
        params: IdParams,
        body: WorkshopUpdateSchema,
        response: { 200: WorkshopView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const body = req.body as WorkshopUpdateBody;
      const w = await repo.findOrThrow(req.params.id);
      // Read first: a role that may not update sees another station's workshop as missing (404, not 403).
      can(user, "workshop.read", "workshop", { stationId: w.station_id });
      can(user, "workshop.update", "workshop", { stationId: w.station_id });
      if (body.stationId !== undefined && body.stationId !== w.station_id) {
        // Moving a workshop is a change in both stations: the user must be allowed in the target too.
        can(user, "workshop.update", "station", { stationId: body.stationId });
        if (!(await stations.exists(body.stationId))) throw badRequest("stationId", "body: no such station");
      }
      await repo.update(w.id, workshopColumns(body));
      // The cameras' privacy masks apply only on a demonstration site: the ingest must follow.
      if (body.demoSite !== undefined && body.demoSite !== w.demo_site)
        await publishWorkshopCameraSpecs({ db: deps.db, redis: deps.redis, logger: deps.logger }, w.id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "workshop.update",
        targetType: "workshop",
        targetId: w.id,
        stationId: w.station_id,
        ip: req.ip,
        detail: { fields: Object.keys(body) },
      });
      return workshopView(await repo.findOrThrow(w.id));
    },
  );
}

function deleteWorkshop(app: RouteApp, { repo, audit }: WorkshopContext): void {
  app.delete(
    "/api/workshops/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["workshops"], params: IdParams, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const w = await repo.findOrThrow(req.params.id);
      can(user, "workshop.read", "workshop", { stationId: w.station_id });
      can(user, "workshop.delete", "workshop", { stationId: w.station_id });
      await repo.delete(w.id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "workshop.delete",
        targetType: "workshop",
        targetId: w.id,
        stationId: w.station_id,
        ip: req.ip,
        detail: { name: w.name },
      });
      return reply.status(204).send(null);
    },
  );
}
