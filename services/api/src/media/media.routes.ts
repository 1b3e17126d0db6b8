/**
 * Live media: short-lived signed HLS URLs for signed-in users, the HLS files themselves (token checked on
 * every request, no path can leave the media folder), the low-latency FLV proxy, RTMP publish URLs of push
 * cameras, a camera's latest frame as a snapshot, and the cameras of public demonstration sites without a
 * token under /public. One file per thing served; the shared checks are in `media-access.ts`.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { ApiDeps } from "../context.js";
import { flvRoute } from "./flv.routes.js";
import { hlsFileRoute, liveUrlRoute } from "./hls.routes.js";
import { mediaContext } from "./media-access.js";
import { publicHlsRoute } from "./public-sites.routes.js";
import { publishUrlRoute } from "./publish.routes.js";
import { snapshotRoute } from "./snapshot.routes.js";

export const mediaRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const ctx = mediaContext(deps);
  liveUrlRoute(app, ctx);
  publishUrlRoute(app, ctx);
  snapshotRoute(app, ctx);
  hlsFileRoute(app, ctx);
  flvRoute(app, ctx);
  publicHlsRoute(app, ctx);
};
