import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  CameraCreateBody,
  CameraListQuery,
  type CameraUpdateBody,
  CameraUpdateBody as CameraUpdateSchema,
  CameraView,
  ErrorBody,
  encrypt,
  IdParams,
  listScope,
  maskCameraUrl,
  Page,
  pushStreamPath,
} from "@mingfang/core";
import type { CamerasTable } from "@mingfang/db";
import type { Updateable } from "kysely";
import { Type } from "typebox";
import { publishCameraSpec } from "../cameras/camera-spec.publisher.js";
import type { ApiDeps } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { AuditRepository } from "../repositories/audit.repository.js";
import { CameraRepository } from "../repositories/camera.repository.js";
import { WorkshopRepository } from "../repositories/workshop.repository.js";
import { cameraView } from "../views.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** A camera URL must parse and name a host; anything else is refused with the field named. */
export function checkCameraUrl(url: string, field: string, schemes = ["rtsp:", "rtsps:", "rtmp:"]): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badRequest(field, `body: '${field}' is not a valid URL`);
  }
  if (!schemes.includes(u.protocol)) {
    throw badRequest(field, `body: '${field}' must use ${schemes.map((s) => s.slice(0, -1)).join(", ")}`);
  }
  if (!u.hostname) throw badRequest(field, `body: '${field}' has no host`);
  if (u.port && (Number(u.port) < 1 || Number(u.port) > 65535))
    throw badRequest(field, `body: '${field}' has a bad port`);
}

export const cameraRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (
  app,
  { db, keyring, redis, logger, config },
) => {
  /** Tell the ingest that one camera changed: only that camera's pipeline restarts. */
  const announce = (cameraId: number) => publishCameraSpec({ db, redis, logger }, cameraId);
  const repo = new CameraRepository(db);
  const workshops = new WorkshopRepository(db);
  const audit = new AuditRepository(db);

  /** Refuses a push camera when RTMP is off or when a sourceUrl comes with it. */
  function checkPush(b: CameraUpdateBody): void {
    if (!b.push) return;
    if (b.sourceUrl !== undefined)
      throw badRequest("push", "body: a push camera takes no 'sourceUrl' (the platform sets it)");
    if (config.RTMP_PORT === 0)
      throw badRequest("push", "body: RTMP is turned off here (RTMP_PORT=0): no push cameras");
  }

  /** The source of a push camera: its stream on our own node-media-server, pulled by the ingest. */
  function pushSource(cameraId: number): Updateable<CamerasTable> {
    const url = `rtmp://127.0.0.1:${config.RTMP_PORT}${pushStreamPath(cameraId)}`;
    return { source_url_enc: encrypt(keyring.credentials, url), source_url_masked: maskCameraUrl(url) };
  }

  function columns(b: CameraUpdateBody): Updateable<CamerasTable> {
    const out: Updateable<CamerasTable> = {};
    if (b.name !== undefined) out.name = b.name;
    if (b.area !== undefined) out.area = b.area;
    if (b.sourceUrl !== undefined) {
      checkCameraUrl(b.sourceUrl, "sourceUrl");
      out.source_url_enc = encrypt(keyring.credentials, b.sourceUrl);
      out.source_url_masked = maskCameraUrl(b.sourceUrl);
    }
    if (b.subUrl !== undefined) {
      if (b.subUrl === null) {
        out.sub_url_enc = null;
        out.sub_url_masked = null;
      } else {
        checkCameraUrl(b.subUrl, "subUrl");
        out.sub_url_enc = encrypt(keyring.credentials, b.subUrl);
        out.sub_url_masked = maskCameraUrl(b.subUrl);
      }
    }
    if (b.analyse !== undefined) out.analyse = b.analyse;
    if (b.onvifUrl !== undefined) {
      checkCameraUrl(b.onvifUrl, "onvifUrl", ["http:", "https:"]);
      out.onvif_url = b.onvifUrl;
    }
    if (b.onvifUsername !== undefined) out.onvif_username = b.onvifUsername;
    if (b.onvifPassword !== undefined)
      out.onvif_password_enc = encrypt(keyring.credentials, b.onvifPassword, "onvif");
    if (b.detectProfile !== undefined) out.detect_profile = b.detectProfile;
    if (b.recordProfile !== undefined) out.record_profile = b.recordProfile;
    if (b.zones !== undefined) out.zones = JSON.stringify(b.zones);
    if (b.public !== undefined) out.public = b.public;
    if (b.enabled !== undefined) out.enabled = b.enabled;
    return out;
  }

  async function load(id: number) {
    const c = await repo.find(id);
    if (!c) throw notFound("camera");
    return c;
  }

  app.get(
    "/api/cameras",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        summary: "Cameras the user may see (filters: stationId, workshopId, pilot, demoSite, area)",
        querystring: CameraListQuery,
        response: { 200: Page(CameraView), ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      can(user, "camera.read", "camera");
      const { items, total } = await repo.list(req.query, listScope(user, "camera.read"));
      return { items: items.map(cameraView), total, page: req.query.page, pageSize: req.query.pageSize };
    },
  );

  app.get(
    "/api/cameras/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["cameras"], params: IdParams, response: { 200: CameraView, ...errors } },
    },
    async (req) => {
      const c = await load(req.params.id);
      can(currentUser(req), "camera.read", "camera", { stationId: c.station_id });
      return cameraView(c);
    },
  );

  app.post(
    "/api/cameras",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        summary: "Register a camera; credentials in the URL are encrypted at rest and never returned",
        body: CameraCreateBody,
        response: { 201: CameraView, ...errors },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const stationId = await workshops.stationOf(req.body.workshopId);
      if (stationId === undefined) throw notFound("workshop");
      can(user, "workshop.read", "workshop", { stationId });
      can(user, "camera.create", "workshop", { stationId });
      const { workshopId, ...rest } = req.body;
      checkPush(rest);
      const cols = columns(rest);
      const id = await repo.create({
        ...cols,
        workshop_id: workshopId,
        name: req.body.name,
        area: req.body.area,
      });
      if (rest.push) await repo.update(id, pushSource(id));
      await announce(id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.create",
        targetType: "camera",
        targetId: id,
        stationId,
        ip: req.ip,
        detail: {
          workshopId,
          name: req.body.name,
          area: req.body.area,
          ...(rest.push ? { push: true } : {}),
        },
      });
      return reply.status(201).send(cameraView(await load(id)));
    },
  );

  app.patch(
    "/api/cameras/:id",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["cameras"],
        params: IdParams,
        body: CameraUpdateSchema,
        response: { 200: CameraView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const body = req.body as CameraUpdateBody;
      const c = await load(req.params.id);
      // Read first: a role that may not update sees another station's camera as missing (404, not 403).
      can(user, "camera.read", "camera", { stationId: c.station_id });
      can(user, "camera.update", "camera", { stationId: c.station_id });
      checkPush(body);
      await repo.update(c.id, { ...columns(body), ...(body.push ? pushSource(c.id) : {}) });
      await announce(c.id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.update",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        // Field names only: never the values (they may hold credentials).
        detail: { fields: Object.keys(body) },
      });
      return cameraView(await load(c.id));
    },
  );

  app.delete(
    "/api/cameras/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["cameras"], params: IdParams, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const c = await load(req.params.id);
      can(user, "camera.read", "camera", { stationId: c.station_id });
      can(user, "camera.delete", "camera", { stationId: c.station_id });
      await repo.delete(c.id);
      await announce(c.id);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.delete",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
        detail: { name: c.name },
      });
      return reply.status(204).send(null);
    },
  );
};
