/** A camera's latest frame, as the ingest leaves it in Redis, served as a JPEG. */
import { IdParams, REDIS_KEYS } from "@mingfang/core";
import { Type } from "typebox";
import type { RouteApp } from "../context.js";
import { HttpError } from "../errors.js";
import { errors, type MediaContext, visibleCamera } from "./media-access.js";

export function snapshotRoute(app: RouteApp, { deps, cameras }: MediaContext): void {
  app.get(
    "/api/cameras/:id/snapshot",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary: "The latest frame of the camera, as JPEG",
        params: IdParams,
        response: { 200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }), ...errors },
      },
    },
    async (req, reply) => {
      const c = await visibleCamera(cameras, req, req.params.id, "camera.live");
      const jpeg = await deps.redis.getBuffer(REDIS_KEYS.cameraSnapshot(c.id));
      if (!jpeg) throw new HttpError(404, "no_snapshot", "no recent frame from this camera");
      return reply.type("image/jpeg").header("cache-control", "no-store").send(jpeg);
    },
  );
}
