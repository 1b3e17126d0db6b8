/**
 * `/api/activities`: industry-association activities (协会活动) and their photos. Everyone reads them, a
 * station's own users only their station's (another station's is a 404); the station's staff and the bureau
 * record, change and remove them (`plan.update`). Every change is audited. Photos: multipart, JPEG or PNG
 * by their magic bytes, at most CASE_PHOTO_MAX_MB, SHA-256 stored and checked on every read.
 */
import path from "node:path";
import multipart from "@fastify/multipart";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  ActivityBody,
  ActivityListQuery,
  ActivityPhotoView,
  ActivityUpdateBody,
  ActivityView,
  ErrorBody,
  Id,
  IdParams,
  Page,
  resolveDataDir,
} from "@mingfang/core";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { ApiDeps, RouteApp } from "../context.js";
import { readUploadedPhoto } from "../media/photo-upload.js";
import { currentUser } from "../plugins/auth.plugin.js";
import { ActivityService } from "./activity.service.js";
import { activityPhotoView, activityView } from "./activity.views.js";
import { ActivityPhotoStore } from "./activity-photo.store.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const PhotoParams = Type.Object(
  { id: Id, photoId: Type.String({ format: "uuid" }) },
  { additionalProperties: false },
);
const actor = (req: FastifyRequest) => ({ user: currentUser(req), ip: req.ip });

export const activityRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, config }) => {
  const store = new ActivityPhotoStore(path.join(resolveDataDir(config), "media"));
  const service = new ActivityService(db, store);
  // Encapsulated: only these routes accept multipart bodies.
  const maxMb = config.CASE_PHOTO_MAX_MB;
  const maxBytes = Math.floor(maxMb * 1024 * 1024);
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 4, parts: 5 } });
  listActivities(app, service);
  readActivity(app, service);
  createActivity(app, service);
  changeActivity(app, service);
  uploadPhoto(app, service, maxMb);
  photoRoutes(app, service);
};

function listActivities(app: RouteApp, service: ActivityService): void {
  app.get(
    "/api/activities",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["activities"],
        summary: "Association activities the user may see, newest first (filters: stationId, from, to)",
        querystring: ActivityListQuery,
        response: { 200: Page(ActivityView), ...errors },
      },
    },
    async (req) => {
      const { items, photos, total } = await service.list(currentUser(req), req.query);
      return {
        items: items.map((a) => activityView(a, photos)),
        total,
        page: req.query.page,
        pageSize: req.query.pageSize,
      };
    },
  );
}

function readActivity(app: RouteApp, service: ActivityService): void {
  app.get(
    "/api/activities/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["activities"], params: IdParams, response: { 200: ActivityView, ...errors } },
    },
    async (req) => {
      const { activity, photos } = await service.load(currentUser(req), req.params.id);
      return activityView(activity, photos);
    },
  );
}

function createActivity(app: RouteApp, service: ActivityService): void {
  app.post(
    "/api/activities",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["activities"],
        summary: "Record an activity of a station (the day held, title, participants, summary)",
        body: ActivityBody,
        response: { 201: ActivityView, ...errors },
      },
    },
    async (req, reply) => {
      const id = await service.create(actor(req), req.body);
      const { activity, photos } = await service.load(currentUser(req), id);
      return reply.status(201).send(activityView(activity, photos));
    },
  );
}

function changeActivity(app: RouteApp, service: ActivityService): void {
  app.patch(
    "/api/activities/:id",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["activities"],
        params: IdParams,
        body: ActivityUpdateBody,
        response: { 200: ActivityView, ...errors },
      },
    },
    async (req) => {
      await service.update(actor(req), req.params.id, req.body);
      const { activity, photos } = await service.load(currentUser(req), req.params.id);
      return activityView(activity, photos);
    },
  );
  app.delete(
    "/api/activities/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["activities"], params: IdParams, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await service.remove(actor(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}

function uploadPhoto(app: RouteApp, service: ActivityService, maxMb: number): void {
  app.post(
    "/api/activities/:id/photos",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["activities"],
        summary: "Add one photo (multipart field `file`; JPEG or PNG, at most CASE_PHOTO_MAX_MB)",
        consumes: ["multipart/form-data"],
        params: IdParams,
        response: { 201: ActivityPhotoView, ...errors, 413: ErrorBody, 415: ErrorBody },
      },
    },
    async (req, reply) => {
      const photo = await service.addPhoto(actor(req), req.params.id, await readUploadedPhoto(req, maxMb));
      return reply.status(201).send(activityPhotoView(photo));
    },
  );
}

function photoRoutes(app: RouteApp, service: ActivityService): void {
  app.get(
    "/api/activities/:id/photos/:photoId",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["activities"],
        summary: "The photo's bytes (checked against its SHA-256)",
        params: PhotoParams,
        response: { 200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }), ...errors },
      },
    },
    async (req, reply) => {
      const p = await service.readPhoto(currentUser(req), req.params.id, req.params.photoId);
      return reply
        .header("content-type", p.mime)
        .header("cache-control", "private, max-age=3600")
        .header("x-content-type-options", "nosniff")
        .send(p.bytes);
    },
  );
  app.delete(
    "/api/activities/:id/photos/:photoId",
    {
      preHandler: app.authenticate,
      schema: { tags: ["activities"], params: PhotoParams, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await service.removePhoto(actor(req), req.params.id, req.params.photoId);
      return reply.status(204).send(null);
    },
  );
}
