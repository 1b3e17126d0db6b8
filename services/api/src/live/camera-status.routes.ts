/**
 * `GET /api/cameras/status`: the status of every camera the user may see, as the ingest reports it in
 * Redis, in one answer (one MGET), so that a video wall of 42 cameras does not ask 42 times. A camera no
 * ingest reports on is `offline` (or `disabled`), as `GET /api/cameras/:id/status` answers.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { CameraStatus, ErrorBody, listScope, REDIS_KEYS } from "@mingfang/core";
import { Type } from "typebox";
import type { ApiDeps } from "../context.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { CameraStatusRepository, type ScopedCamera } from "./camera-status.repository.js";

const StatusQuery = Type.Object(
  { stationId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })) },
  { additionalProperties: false },
);

const StatusList = Type.Object({ items: Type.Array(CameraStatus) });

/** What a camera's status is when no ingest reports it. */
export function unreportedStatus(c: ScopedCamera, now: Date): CameraStatus {
  const at = now.toISOString();
  return {
    cameraId: c.id,
    status: c.enabled ? "offline" : "disabled",
    state: "unknown",
    fps: null,
    bitrateKbps: null,
    lastFrameAt: null,
    lastError: c.enabled ? "no ingest is reporting this camera" : null,
    since: at,
    restarts: 0,
    updatedAt: at,
  };
}

/** The reported status (a disabled camera stays disabled whatever an old report says). */
function parse(raw: string | null, c: ScopedCamera, now: Date): CameraStatus {
  if (!raw || !c.enabled) return unreportedStatus(c, now);
  try {
    return JSON.parse(raw) as CameraStatus;
  } catch {
    return unreportedStatus(c, now);
  }
}

export const cameraStatusRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, redis }) => {
  const repo = new CameraStatusRepository(db);

  app.get(
    "/api/cameras/status",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary: "The status of every camera the user may see (optionally of one station), in one answer",
        querystring: StatusQuery,
        response: { 200: StatusList, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const user = currentUser(req);
      can(user, "camera.read", "camera");
      const cams = await repo.visible(listScope(user, "camera.read"), req.query.stationId);
      if (cams.length === 0) return { items: [] };
      const raw = await redis.mget(...cams.map((c) => REDIS_KEYS.cameraStatus(c.id)));
      const now = new Date();
      return { items: cams.map((c, i) => parse(raw[i] ?? null, c, now)) };
    },
  );
};
