/** The live video of public demonstration sites, without a token or a sign-in, under /public/hls (the JSON is in public/). */
import type { RouteApp } from "../context.js";
import { notFound } from "../errors.js";
import { errors, HlsParams, MediaBody, type MediaContext, readHlsFile } from "./media-access.js";
import { PublicSiteRepository } from "./public-site.repository.js";

export function publicHlsRoute(app: RouteApp, { deps, hlsRoot }: MediaContext): void {
  const sites = new PublicSiteRepository(deps.db);
  app.get(
    "/public/hls/:cameraId/:file",
    {
      schema: {
        tags: ["public"],
        summary: "Live HLS of a public camera of a transparent-supervision demonstration site (no sign-in)",
        params: HlsParams,
        response: { 200: MediaBody, ...errors },
      },
    },
    async (req, reply) => {
      const c = await sites.publicCamera(req.params.cameraId);
      if (!c) throw notFound("public camera");
      const r = await readHlsFile(hlsRoot, c.id, req.params.file, null);
      return reply.type(r.type).header("cache-control", r.cache).send(r.body);
    },
  );
}
