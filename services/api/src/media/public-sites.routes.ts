/** The live video of public demonstration sites, without a token or a sign-in, under /public/hls (the JSON is in public/). */
import { cameraChangeGeneration } from "../cameras/camera-spec.publisher.js";
import type { RouteApp } from "../context.js";
import { notFound } from "../errors.js";
import { errors, HlsParams, MediaBody, type MediaContext } from "./media-access.js";
import { PublicCameraCache } from "./public-camera.cache.js";
import { readPublicHlsFile } from "./public-hls.js";
import { PublicSiteRepository } from "./public-site.repository.js";

export function publicHlsRoute(app: RouteApp, { deps, hlsRoot }: MediaContext): void {
  const repo = new PublicSiteRepository(deps.db);
  const sites = new PublicCameraCache(
    (id) => repo.publicCamera(id),
    1_000,
    2_000,
    Date.now,
    cameraChangeGeneration,
  );
  app.get(
    "/public/hls/:cameraId/:file",
    {
      schema: {
        tags: ["public"],
        summary:
          "Live HLS of a public camera of a demonstration site (no sign-in); a camera with privacy masks serves only its masked output",
        params: HlsParams,
        response: { 200: MediaBody, ...errors },
      },
    },
    async (req, reply) => {
      const c = await sites.get(req.params.cameraId);
      if (!c) throw notFound("public camera");
      // A masked camera: its masked output or nothing (never its private folder).
      const r = await readPublicHlsFile(hlsRoot, c.id, c.masked, req.params.file);
      return reply.type(r.type).header("cache-control", r.cache).send(r.body);
    },
  );
}
