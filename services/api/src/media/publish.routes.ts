/** RTMP push cameras: the signed publish URL to configure on the device. */
import { IdParams, pushStreamPath, signPublishKey } from "@mingfang/core";
import { Type } from "typebox";
import { AuditRepository } from "../audit/audit.repository.js";
import type { RouteApp } from "../context.js";
import { HttpError } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { errors, type MediaContext, visibleCamera } from "./media-access.js";

/** A push camera's key lasts a year: it is configured once on the device. */
const PUSH_KEY_TTL_SECONDS = 365 * 24 * 3600;

const PublishUrl = Type.Object({
  publishUrl: Type.String(),
  sourceUrl: Type.String(),
  expiresAt: Type.String({ format: "date-time" }),
});

export function publishUrlRoute(app: RouteApp, { deps, cameras }: MediaContext): void {
  const { config, keyring } = deps;
  const audit = new AuditRepository(deps.db);
  app.get(
    "/api/cameras/:id/publish-url",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["media"],
        summary:
          "For an RTMP push camera: the URL to configure on the device (signed key, a year), and the sourceUrl to give the camera so the ingest pulls it",
        params: IdParams,
        response: { 200: PublishUrl, ...errors },
      },
    },
    async (req) => {
      const user = currentUser(req);
      const c = await visibleCamera(cameras, req, req.params.id, "camera.read");
      can(user, "camera.update", "camera", { stationId: c.station_id });
      if (config.RTMP_PORT === 0) throw new HttpError(404, "rtmp_off", "RTMP is turned off (RTMP_PORT=0)");
      const streamPath = pushStreamPath(c.id);
      const key = signPublishKey(keyring.mediaToken, streamPath, PUSH_KEY_TTL_SECONDS);
      await audit.record({
        actorId: user.id,
        actorUsername: user.username,
        action: "camera.publish_key_issued",
        targetType: "camera",
        targetId: c.id,
        stationId: c.station_id,
        ip: req.ip,
      });
      return {
        publishUrl: `rtmp://${req.hostname.replace(/:\d+$/, "")}:${config.RTMP_PORT}${streamPath}?key=${key}`,
        sourceUrl: `rtmp://127.0.0.1:${config.RTMP_PORT}${streamPath}`,
        expiresAt: new Date(Number(key.split(".")[0]) * 1000).toISOString(),
      };
    },
  );
}
