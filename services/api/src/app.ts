/**
 * Builds the API: ecosystem plugins, then the app's plugins (auth, metrics), then the routes.
 * `server.ts`-style listen and close belong to the caller (the CLI, a test with `app.inject`).
 */
import { randomUUID } from "node:crypto";
import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { activityRoutes } from "./activities/activities.routes.js";
import { alertsPlugin } from "./alerts/alerts.plugin.js";
import { assessmentRoutes } from "./assessment/assessment.routes.js";
import { authRoutes } from "./auth/auth.routes.js";
import { cameraRulesRoutes } from "./cameras/camera-rules.routes.js";
import { cameraRoutes } from "./cameras/cameras.routes.js";
import { caseRoutes } from "./cases/case.routes.js";
import { consoleRoutes } from "./console/console.plugin.js";
import type { ApiDeps } from "./context.js";
import { dashboardRoutes } from "./dashboard/dashboard.routes.js";
import { badRequest, installErrorHandlers } from "./errors.js";
import { feedbackRoutes } from "./feedback/feedback.routes.js";
import { healthRoutes } from "./health/health.routes.js";
import { cameraStatusRoutes } from "./live/camera-status.routes.js";
import { mediaRoutes } from "./media/media.routes.js";
import { onvifRoutes } from "./onvif/onvif.routes.js";
import { outboundPlugin } from "./outbound/outbound.plugin.js";
import { planRoutes } from "./plan/plan.routes.js";
import { authPlugin } from "./plugins/auth.plugin.js";
import { metricsPlugin } from "./plugins/metrics.plugin.js";
import { securityPlugin } from "./plugins/security.plugin.js";
import { posterRoutes } from "./poster/poster.routes.js";
import { publicRateLimit, publicRoutes } from "./public/public.routes.js";
import { publicFeedbackRoutes } from "./public/public-feedback.routes.js";
import { clipsPlugin } from "./recordings/clips.plugin.js";
import { playbackRoutes } from "./recordings/playback.routes.js";
import { recorderPlugin } from "./recordings/recorder.plugin.js";
import { stationRoutes } from "./stations/stations.routes.js";
import { systemRoutes } from "./system/system.routes.js";
import { userRoutes } from "./users/users.routes.js";
import { workshopFileRoutes } from "./workshop-file/workshop-file.routes.js";
import { workshopRoutes } from "./workshops/workshops.routes.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Two validators: bodies are checked as sent (a string is not a number, unknown fields are refused);
 * query strings and path parameters are text by nature, so they are coerced to the schema's types.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: coerce ? "array" : false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/** Path (`zones.0.name` style) of the first string holding a NUL character, which PostgreSQL text cannot store. */
function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (value === null || typeof value !== "object") return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = findNul(v, path ? `${path}.${k}` : k);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The feature plugins, in the order they are registered (the console's catch-all comes after them all).
 * A new feature folder adds its plugin here.
 */
const FEATURE_ROUTES: FastifyPluginAsyncTypebox<ApiDeps>[] = [
  healthRoutes,
  authRoutes,
  stationRoutes,
  workshopRoutes,
  cameraRoutes,
  onvifRoutes,
  cameraRulesRoutes,
  mediaRoutes,
  playbackRoutes,
  cameraStatusRoutes,
  userRoutes,
  caseRoutes,
  planRoutes,
  activityRoutes,
  workshopFileRoutes,
  posterRoutes,
  feedbackRoutes,
  systemRoutes,
  dashboardRoutes,
  assessmentRoutes,
  publicRoutes,
  publicFeedbackRoutes,
];

/**
 * A NUL character would fail in the database (500): once the schema has passed, refuse it as a 400 naming
 * the field.
 */
function refuseNul(app: FastifyInstance): void {
  app.addHook("preHandler", async (req) => {
    const parts = [
      ["params", req.params],
      ["querystring", req.query],
      ["body", req.body],
    ] as const;
    for (const [part, value] of parts) {
      const path = findNul(value, "");
      if (path !== undefined) {
        const field = path || part;
        throw badRequest(field, `${part}: '${field}' must not contain NUL characters`);
      }
    }
  });
}

/** The OpenAPI document and its UI at /api/docs. */
async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Mingfang (明坊) API",
        description:
          "Remote video supervision of high-risk food workshops — Zhangqiu market supervision bureau",
        version: "0.1.0",
      },
      components: {
        securitySchemes: { session: { type: "apiKey", in: "cookie", name: "mingfang_session" } },
      },
      security: [{ session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "api" }) as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    trustProxy: deps.config.TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    // On close, end every connection (keep-alive clients, live FLV viewers) instead of waiting for them.
    forceCloseConnections: true,
  });

  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === "body" ? bodyAjv : textAjv).compile(schema as object),
  );

  installErrorHandlers(app);
  // The API speaks JSON only: a text/plain body is an unsupported media type (415), not a string body.
  app.removeContentTypeParser("text/plain");
  refuseNul(app);
  // First: its headers (helmet, CORS) and the internal-only paths cover every route below.
  await app.register(securityPlugin, { config: deps.config });
  await app.register(cookie);
  await registerDocs(app);
  await app.register(metricsPlugin, deps);
  // At the root, before every route: covers /public/* of the media and console plugins too.
  publicRateLimit(app, deps);
  await app.register(authPlugin, deps);
  await app.register(alertsPlugin, deps);
  await app.register(outboundPlugin, deps);
  await app.register(recorderPlugin, deps);
  await app.register(clipsPlugin, deps);

  for (const routes of FEATURE_ROUTES) await app.register(routes, deps);
  await app.register(consoleRoutes, deps);
  return app;
}
