/**
 * `/api/public-feedback`: the station's inbox of citizens' feedback (公众留言). Station staff and duty
 * officers see and handle their station's items (another station's is a 404); the bureau all stations';
 * the brigade none (403). Answering (答复) and closing (办结) are audited and pushed over `/ws`.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  ErrorBody,
  IdParams,
  Page,
  PublicFeedbackListQuery,
  PublicFeedbackReplyBody,
  PublicFeedbackSummary,
  PublicFeedbackView,
} from "@mingfang/core";
import type { FastifyRequest } from "fastify";
import type { ApiDeps, RouteApp } from "../context.js";
import { currentUser } from "../plugins/auth.plugin.js";
import { feedbackView } from "./public.views.js";
import { PublicFeedbackService } from "./public-feedback.service.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const actor = (req: FastifyRequest) => ({ user: currentUser(req), ip: req.ip });

export const publicFeedbackRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  const service = new PublicFeedbackService(db, app.events);
  listFeedback(app, service);
  readFeedback(app, service);
  handleFeedback(app, service);
};

function listFeedback(app: RouteApp, service: PublicFeedbackService): void {
  app.get(
    "/api/public-feedback",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["public-feedback"],
        summary: "Citizens' feedback the user may see, newest first (filters: status, kind, stationId)",
        querystring: PublicFeedbackListQuery,
        response: { 200: Page(PublicFeedbackView), ...errors },
      },
    },
    async (req) => {
      const { items, total } = await service.list(currentUser(req), req.query);
      return { items: items.map(feedbackView), total, page: req.query.page, pageSize: req.query.pageSize };
    },
  );
  app.get(
    "/api/public-feedback/summary",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["public-feedback"],
        summary: "How many items are open (the menu's badge)",
        response: { 200: PublicFeedbackSummary, ...errors },
      },
    },
    async (req) => ({ open: await service.countOpen(currentUser(req)) }),
  );
}

function readFeedback(app: RouteApp, service: PublicFeedbackService): void {
  app.get(
    "/api/public-feedback/:id",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["public-feedback"],
        params: IdParams,
        response: { 200: PublicFeedbackView, ...errors },
      },
    },
    async (req) => feedbackView(await service.load(currentUser(req), req.params.id)),
  );
}

function handleFeedback(app: RouteApp, service: PublicFeedbackService): void {
  app.post(
    "/api/public-feedback/:id/reply",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["public-feedback"],
        summary: "Answer an item (答复); it stays open to closing",
        params: IdParams,
        body: PublicFeedbackReplyBody,
        response: { 200: PublicFeedbackView, ...errors },
      },
    },
    async (req) => {
      await service.reply(actor(req), req.params.id, req.body.reply.trim());
      return feedbackView(await service.load(currentUser(req), req.params.id));
    },
  );
  app.post(
    "/api/public-feedback/:id/close",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["public-feedback"],
        summary: "Close an item (办结)",
        params: IdParams,
        response: { 200: PublicFeedbackView, ...errors },
      },
    },
    async (req) => {
      await service.close(actor(req), req.params.id);
      return feedbackView(await service.load(currentUser(req), req.params.id));
    },
  );
}
