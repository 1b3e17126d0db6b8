/**
 * Rapid-response case routes: thin — validate (schema), call the service, map to a view. The service
 * authorizes, writes the timeline, the audit log and the event in one transaction.
 */
import path from "node:path";
import multipart from "@fastify/multipart";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  CaseAssignBody,
  CaseAttachmentParams,
  CaseAttachmentView,
  CaseCreateBody,
  CaseDetailView,
  CaseIdParams,
  CaseListQuery,
  CaseNoteBody,
  CaseTransitionBody,
  CaseView,
  ErrorBody,
  Page,
  resolveDataDir,
} from "@mingfang/core";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { ApiDeps } from "../context.js";
import { readUploadedPhoto } from "../media/photo-upload.js";
import { currentUser } from "../plugins/auth.plugin.js";
import { CaseService } from "./case.service.js";
import { attachmentView, caseEventView, caseView } from "./case.views.js";
import { archiveRoute } from "./case-archive.routes.js";
import { CasePhotoStore } from "./case-photo.store.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

type App = Parameters<FastifyPluginAsyncTypebox>[0];

/** What every case route needs: the service, and the database its detail view reads. */
interface CaseRouteCtx {
  db: ApiDeps["db"];
  service: CaseService;
}

/** Needs the alerts plugin: publishes through `app.events`, links alerts through `app.alertService`. */
export const caseRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db, config } = deps;
  const mediaRoot = path.join(resolveDataDir(config), "media");
  const service = new CaseService(db, app.events, app.alertService, new CasePhotoStore(mediaRoot), config);
  if (deps.alerts?.workers !== false) overdueSweep(app, service, deps.alerts?.sweepMs ?? 30_000);

  // Encapsulated: only these routes accept multipart bodies.
  const maxBytes = Math.floor(config.CASE_PHOTO_MAX_MB * 1024 * 1024);
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 4, parts: 5 } });

  const ctx: CaseRouteCtx = { db, service };
  listRoute(app, ctx);
  openRoute(app, ctx);
  readRoute(app, ctx);
  changeRoutes(app, ctx);
  attachRoute(app, ctx, config.CASE_PHOTO_MAX_MB);
  photoRoute(app, ctx);
  archiveRoute(app, { ...ctx, mediaRoot });
};

/**
 * Deadlines that pass are announced (timeline, audit, case.updated) by a sweep in every process that
 * runs the alert workers; the sweep is safe to run in several at once.
 */
function overdueSweep(app: App, service: CaseService, sweepMs: number): void {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  app.addHook("onReady", async () => {
    timer = setInterval(() => {
      if (running) return;
      running = service
        .sweepOverdue()
        .catch((err: Error) => app.log.warn({ err: err.message }, "overdue sweep failed"))
        .finally(() => {
          running = null;
        });
    }, sweepMs);
    timer.unref();
  });
  app.addHook("preClose", async () => {
    if (timer) clearInterval(timer);
    await running;
  });
}

const actor = (req: FastifyRequest) => ({ user: currentUser(req), ip: req.ip });

/** A case with its alerts, timeline and photos, as the user sees it. */
async function detail({ db, service }: CaseRouteCtx, req: FastifyRequest, id: string) {
  const user = currentUser(req);
  const c = await service.load(user, id);
  const [alertIds, events, attachments] = await Promise.all([
    service.repo.alertIds(db, [id]),
    service.repo.events(db, id),
    service.repo.attachments(db, id),
  ]);
  return {
    ...caseView(c, alertIds.get(id) ?? [], user, new Date()),
    timeline: events.map(caseEventView),
    attachments: attachments.map(attachmentView),
  };
}

function listRoute(app: App, { db, service }: CaseRouteCtx): void {
  app.get(
    "/api/cases",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        summary: "Cases the user may see (filters: state, overdue, stationId, workshopId, brigade, open)",
        querystring: CaseListQuery,
        response: { 200: Page(CaseView), ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const { items, total } = await service.list(user, req.query);
      const alertIds = await service.repo.alertIds(
        db,
        items.map((c) => c.id),
      );
      const now = new Date();
      return {
        items: items.map((c) => caseView(c, alertIds.get(c.id) ?? [], user, now)),
        total,
        page: req.query.page,
        pageSize: req.query.pageSize,
      };
    },
  );
}

function openRoute(app: App, ctx: CaseRouteCtx): void {
  app.post(
    "/api/cases",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        summary: "Open a case from alerts of one station, or by hand (workshopId or stationId, title)",
        body: CaseCreateBody,
        response: { 201: CaseDetailView, ...errors },
      },
    },
    async (req, reply) => {
      const id = await ctx.service.open(actor(req), req.body);
      return reply.status(201).send(await detail(ctx, req, id));
    },
  );
}

function readRoute(app: App, ctx: CaseRouteCtx): void {
  app.get(
    "/api/cases/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["cases"], params: CaseIdParams, response: { 200: CaseDetailView, ...errors } },
    },
    async (req) => detail(ctx, req, req.params.id),
  );
}

/** The changes that answer with the case's detail: transitions, brigade assignment, notes. */
function changeRoutes(app: App, ctx: CaseRouteCtx): void {
  const { service } = ctx;
  app.post(
    "/api/cases/:id/transitions",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        summary:
          "dispatch · check_in · order_rectification · submit_rectification · return_rectification · review · close",
        params: CaseIdParams,
        body: CaseTransitionBody,
        response: { 200: CaseDetailView, ...errors },
      },
    },
    async (req) => {
      await service.transition(actor(req), req.params.id, req.body);
      return detail(ctx, req, req.params.id);
    },
  );

  app.post(
    "/api/cases/:id/assignment",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        summary: "Hand the case to the enforcement brigade (brigade: true) or take it back",
        params: CaseIdParams,
        body: CaseAssignBody,
        response: { 200: CaseDetailView, ...errors },
      },
    },
    async (req) => {
      await service.assign(actor(req), req.params.id, req.body);
      return detail(ctx, req, req.params.id);
    },
  );

  app.post(
    "/api/cases/:id/notes",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        params: CaseIdParams,
        body: CaseNoteBody,
        response: { 200: CaseDetailView, ...errors },
      },
    },
    async (req) => {
      await service.note(actor(req), req.params.id, req.body.note);
      return detail(ctx, req, req.params.id);
    },
  );
}

const AttachQuery = Type.Object(
  {
    kind: Type.Union([Type.Literal("rectification"), Type.Literal("on_site"), Type.Literal("other")], {
      default: "other",
    }),
  },
  { additionalProperties: false },
);

function attachRoute(app: App, { db, service }: CaseRouteCtx, maxMb: number): void {
  app.post(
    "/api/cases/:id/attachments",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        summary: "Attach one photo (multipart field `file`; JPEG or PNG, at most CASE_PHOTO_MAX_MB)",
        consumes: ["multipart/form-data"],
        params: CaseIdParams,
        querystring: AttachQuery,
        response: { 201: CaseAttachmentView, ...errors, 413: ErrorBody, 415: ErrorBody },
      },
    },
    async (req, reply) => {
      const photo = await readUploadedPhoto(req, maxMb);
      const attId = await service.attach(actor(req), req.params.id, { ...photo, kind: req.query.kind });
      const att = await service.repo.findAttachment(db, req.params.id, attId);
      return reply.status(201).send(attachmentView(att!));
    },
  );
}

function photoRoute(app: App, { service }: CaseRouteCtx): void {
  app.get(
    "/api/cases/:id/attachments/:attachmentId",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cases"],
        summary: "The photo's bytes (checked against its SHA-256)",
        params: CaseAttachmentParams,
        response: { 200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }), ...errors },
      },
    },
    async (req, reply) => {
      const p = await service.readPhoto(actor(req), req.params.id, req.params.attachmentId);
      return reply
        .header("content-type", p.mime)
        .header("cache-control", "private, max-age=3600")
        .header("x-content-type-options", "nosniff")
        .send(p.bytes);
    },
  );
}
