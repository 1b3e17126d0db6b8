/**
 * Low-latency live view (HTTP-FLV, about 1 s): the camera's stream on our node-media-server, proxied
 * behind the same signed token as HLS.
 */
import { get as httpGet, type IncomingMessage } from "node:http";
import { cameraStreamPath, ErrorBody, nmsFlvUrl, nmsPlaySecret } from "@mingfang/core";
import { Type } from "typebox";
import type { RouteApp } from "../context.js";
import { HttpError, notFound } from "../errors.js";
import { checkMediaToken, errors, MediaBody, type MediaContext, TokenQuery } from "./media-access.js";

/** The FLV stream of the node-media-server, or null when it does not answer within 5 s. */
function openUpstream(url: string): Promise<IncomingMessage | null> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const r = httpGet(url, resolve);
    r.on("error", reject);
    r.setTimeout(5000, () => r.destroy(new Error("timeout")));
  }).catch(() => null);
}

export function flvRoute(app: RouteApp, { deps }: MediaContext): void {
  const { config, keyring } = deps;
  // Live FLV streams never end by themselves: a closing server ends them, or it would wait for the viewers.
  const flvStreams = new Set<IncomingMessage>();
  app.addHook("preClose", async () => {
    for (const s of flvStreams) s.destroy();
  });

  app.get(
    "/media/flv/:cameraId",
    {
      schema: {
        tags: ["media"],
        summary:
          "Low-latency live view (HTTP-FLV, about 1 s) of a camera, through node-media-server; signed token",
        params: Type.Object({ cameraId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        querystring: TokenQuery,
        response: { 200: MediaBody, ...errors, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      checkMediaToken(keyring, req.params.cameraId, req.query.token);
      if (config.RTMP_PORT === 0)
        throw new HttpError(404, "flv_off", "FLV live view is turned off (RTMP_PORT=0)");
      const res = await openUpstream(
        nmsFlvUrl(config.NMS_HTTP_PORT, cameraStreamPath(req.params.cameraId), nmsPlaySecret(keyring)),
      );
      if (!res) throw new HttpError(503, "flv_unavailable", "the FLV server does not answer");
      if (res.statusCode !== 200) {
        res.resume();
        throw notFound("live FLV stream");
      }
      req.raw.on("close", () => res.destroy());
      flvStreams.add(res);
      res.once("close", () => flvStreams.delete(res));
      // A live stream: fastify pipes it, and destroys it when the viewer goes away.
      return reply
        .type("video/x-flv")
        .header("cache-control", "no-store")
        .send(res as unknown as Buffer);
    },
  );
}
