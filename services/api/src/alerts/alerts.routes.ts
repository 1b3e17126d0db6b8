/**
 * Alert REST: list and read (scoped by station), acknowledge, mark false positive, resolve, evidence and
 * undrawn frame.
 * Another station's alert is a 404. Every action is audited and pushed as `alert.updated` (the service).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  AlertAckBody,
  AlertCloseBody,
  AlertIdParams,
  AlertListQuery,
  AlertView,
  authorize,
  ErrorBody,
  EvidenceQuery,
  type Keyring,
  listScope,
  Page,
} from "@mingfang/core";
import { AuditRepository } from "../audit/audit.repository.js";
import { notFound } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import type { AlertRecord } from "./alert.repository.js";
import { type AlertService, verifyEvidenceToken } from "./alert.service.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export interface AlertRoutesOptions {
  service: AlertService;
  keyring: Keyring;
}

type App = Parameters<FastifyPluginAsyncTypebox>[0];

export const alertRoutes: FastifyPluginAsyncTypebox<AlertRoutesOptions> = async (
  app,
  { service, keyring },
) => {
  listRoute(app, service);
  readRoute(app, service);
  actionRoute(app, service, "acknowledge", "acknowledge", {
    summary: "Acknowledge a new alert, with a note (duty officer of its station)",
    body: AlertAckBody,
  });
  actionRoute(app, service, "false-positive", "mark_false_positive", {
    summary: "Mark an acknowledged alert a false positive",
    body: AlertCloseBody,
  });
  actionRoute(app, service, "resolve", "resolve", {
    summary: "Resolve an acknowledged alert (handled without a case)",
    body: AlertCloseBody,
  });
  mediaRoute(app, service, keyring, "evidence");
  mediaRoute(app, service, keyring, "frame");
};

async function load(service: AlertService, id: string): Promise<AlertRecord> {
  const a = await service.repo.find(id);
  if (!a) throw notFound("alert");
  return a;
}

function listRoute(app: App, service: AlertService): void {
  app.get(
    "/api/alerts",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["alerts"],
        summary:
          "Alerts the user may see, newest first (filters: station, workshop, camera, status, type, grade…)",
        querystring: AlertListQuery,
        response: { 200: Page(AlertView), ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      can(user, "alert.read", "alert");
      const { items, total } = await service.repo.list(listScope(user, "alert.read"), req.query);
      return {
        items: items.map((a) => service.toView(a, user)),
        total,
        page: req.query.page ?? 1,
        pageSize: req.query.pageSize ?? 50,
      };
    },
  );
}

function readRoute(app: App, service: AlertService): void {
  app.get(
    "/api/alerts/:id",
    {
      preHandler: app.authenticate,
      schema: { tags: ["alerts"], params: AlertIdParams, response: { 200: AlertView, ...errors } },
    },
    async (req) => {
      const user = currentUser(req);
      const a = await load(service, req.params.id);
      can(user, "alert.read", "alert", { stationId: a.station_id });
      return service.toView(a, user);
    },
  );
}

/** POST /api/alerts/:id/<path>: one lifecycle action of a duty officer. */
function actionRoute(
  app: App,
  service: AlertService,
  path: string,
  act: "acknowledge" | "mark_false_positive" | "resolve",
  doc: { summary: string; body: typeof AlertAckBody | typeof AlertCloseBody },
): void {
  app.post(
    `/api/alerts/:id/${path}`,
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["alerts"],
        summary: doc.summary,
        params: AlertIdParams,
        body: doc.body,
        response: { 200: AlertView, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const a = await load(service, req.params.id);
      can(user, "alert.read", "alert", { stationId: a.station_id });
      can(user, "alert.acknowledge", "alert", { stationId: a.station_id });
      const note = (req.body as { note?: string }).note?.trim() || null;
      const rec = await service.act({ id: user.id, username: user.username, ip: req.ip }, a.id, act, note);
      return service.toView(rec, user);
    },
  );
}

/**
 * GET /api/alerts/:id/evidence (the JPEG with its boxes drawn, the record) and GET /api/alerts/:id/frame
 * (the undrawn frame beside it, on which the console draws its own boxes): the same rules for both — the
 * session of a user who may read the alert, or the signed token of its links; another station's alert is
 * a 404; the file is checked against its SHA-256; every read audited.
 */
function mediaRoute(app: App, service: AlertService, keyring: Keyring, kind: "evidence" | "frame"): void {
  const audit = new AuditRepository(service.repo.db);
  app.get(
    `/api/alerts/:id/${kind}`,
    {
      schema: {
        tags: ["alerts"],
        summary:
          kind === "evidence"
            ? "The evidence JPEG (session, or the signed token of the alert's evidenceUrl)"
            : "The undrawn frame JPEG, as the model saw it (session, or the signed token of the alert's frameUrl)",
        params: AlertIdParams,
        querystring: EvidenceQuery,
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const token = req.query.token;
      let allowed = false;
      if (token) allowed = verifyEvidenceToken(keyring.mediaToken, id, token);
      const a = await service.repo.find(id);
      if (!allowed) {
        const user = currentUser(req);
        // Unknown, or another station's: the same 404.
        if (!a || authorize(user, "alert.read", { stationId: a.station_id }) !== "allow")
          throw notFound("alert");
      }
      if (!a) throw notFound("alert");
      const bytes = await service.readMedia(a, kind);
      await audit.record({
        actorId: req.user?.id ?? null,
        actorUsername: req.user?.username ?? (token ? "signed-link" : null),
        action: `alert.${kind}_read`,
        targetType: "alert",
        targetId: a.id,
        stationId: a.station_id,
        ip: req.ip,
      });
      return reply
        .header("content-type", "image/jpeg")
        .header("cache-control", "private, max-age=300")
        .header("x-content-sha256", (kind === "evidence" ? a.evidence_sha256 : a.frame_sha256) ?? "")
        .send(bytes);
    },
  );
}
