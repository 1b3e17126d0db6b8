/** The cameras of public demonstration sites, without a token or a sign-in, under /public. */
import type { Static } from "typebox";
import { Type } from "typebox";
import type { RouteApp } from "../context.js";
import { notFound } from "../errors.js";
import { errors, HlsParams, MediaBody, type MediaContext } from "./media-access.js";
import { readPublicHlsFile } from "./public-hls.js";
import { PublicSiteRepository } from "./public-site.repository.js";

const PublicSite = Type.Object({
  workshopId: Type.Integer(),
  name: Type.String(),
  category: Type.String(),
  stationName: Type.String(),
  address: Type.String(),
  licenceNo: Type.String(),
  cameras: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      area: Type.String(),
      hls: Type.String(),
    }),
  ),
});

type PublicSiteRow = Awaited<ReturnType<PublicSiteRepository["publicCameras"]>>[number];

/** One entry per site, its cameras in order. */
function groupBySite(rows: PublicSiteRow[]): Static<typeof PublicSite>[] {
  const sites = new Map<number, Static<typeof PublicSite>>();
  for (const r of rows) {
    let s = sites.get(r.wid);
    if (!s) {
      s = {
        workshopId: r.wid,
        name: r.name,
        category: r.category,
        stationName: r.station,
        address: r.address,
        licenceNo: r.licence_no,
        cameras: [],
      };
      sites.set(r.wid, s);
    }
    s.cameras.push({ id: r.cid, name: r.cname, area: r.area, hls: `/public/hls/${r.cid}/index.m3u8` });
  }
  return [...sites.values()];
}

export function publicHlsRoute(app: RouteApp, { deps, hlsRoot }: MediaContext): void {
  const sites = new PublicSiteRepository(deps.db);
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
      const c = await sites.publicCamera(req.params.cameraId);
      if (!c) throw notFound("public camera");
      // A masked camera: its masked output or nothing (never its private folder).
      const r = await readPublicHlsFile(hlsRoot, c.id, c.masked, req.params.file);
      return reply.type(r.type).header("cache-control", r.cache).send(r.body);
    },
  );
}

export function publicSitesRoute(app: RouteApp, { deps }: MediaContext): void {
  const sites = new PublicSiteRepository(deps.db);
  app.get(
    "/public/sites",
    {
      schema: {
        tags: ["public"],
        summary: "The transparent-supervision demonstration sites and their public cameras",
        response: { 200: Type.Object({ items: Type.Array(PublicSite) }) },
      },
    },
    async () => ({ items: groupBySite(await sites.publicCameras()) }),
  );
}
