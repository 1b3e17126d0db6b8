/**
 * 一店一码: a demonstration site's QR code (opening its public page) and its printable A4 poster as PNG and
 * PDF, for the workshop's file in the console. Read like the workshop file (`workshop.read`: the bureau
 * and the brigade every workshop, station roles their own; another station's workshop is a 404); a
 * workshop that is not a demonstration site has no public page, so no code: 409.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ErrorBody, IdParams, PosterView, publicBaseUrl } from "@mingfang/core";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { ApiDeps, RouteApp } from "../context.js";
import { conflict, notFound } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { posterFontsOrThrow } from "./poster.font.js";
import type { PosterSite } from "./poster.layout.js";
import { posterPdf, posterPng, qrPng } from "./poster.render.js";
import { PosterRepository } from "./poster.repository.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const Binary = Type.Unsafe<Buffer>({ type: "string", format: "binary" });

interface PosterContext {
  repo: PosterRepository;
  /** The last few images made, by what they show: a second download of the same poster costs nothing. */
  made: Map<string, Buffer>;
  config: ApiDeps["config"];
}

export const posterRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const ctx: PosterContext = { repo: new PosterRepository(deps.db), config: deps.config, made: new Map() };
  posterInfoRoute(app, ctx);
  imageRoute(app, ctx, "public-qr.png", "The site's QR code (PNG): it opens the site's public page", (s) =>
    qrPng(s.url),
  );
  imageRoute(app, ctx, "poster.png", "The site's A4 poster (一店一码) as PNG, 200 dpi", (s) =>
    posterPng(s, posterFontsOrThrow()),
  );
  imageRoute(app, ctx, "poster.pdf", "The site's A4 poster (一店一码) as PDF", (s) =>
    posterPdf(s, posterFontsOrThrow()),
  );
};

/** The demonstration site the user may see, as its poster prints it; 404 / 409 otherwise. */
async function siteFor(
  ctx: PosterContext,
  req: FastifyRequest,
  id: number,
): Promise<PosterSite & { id: number }> {
  const user = currentUser(req);
  const w = await ctx.repo.site(id);
  if (!w) throw notFound("workshop");
  can(user, "workshop.read", "workshop", { stationId: w.station_id });
  if (!w.demo_site) {
    throw conflict(
      `workshop ${w.id} is not a demonstration site (示范点): it has no public page, so no QR code or poster`,
    );
  }
  return {
    id: w.id,
    name: w.name,
    licenceNo: w.licence_no,
    stationName: w.station_name,
    category: w.category,
    // PUBLIC_BASE_URL, or (unset, on a demo) the address this console was opened at.
    url: `${publicBaseUrl(ctx.config, `${req.protocol}://${req.host}`)}/public/sites/${w.id}`,
  };
}

function posterInfoRoute(app: RouteApp, ctx: PosterContext): void {
  app.get(
    "/api/workshops/:id/poster",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["workshops"],
        summary: "A demonstration site's public address and its QR code and poster downloads (一店一码)",
        params: IdParams,
        response: { 200: PosterView, ...errors },
      },
    },
    async (req) => {
      const site = await siteFor(ctx, req, req.params.id);
      const base = `/api/workshops/${site.id}`;
      return {
        workshopId: site.id,
        publicUrl: site.url,
        qrPng: `${base}/public-qr.png`,
        posterPng: `${base}/poster.png`,
        posterPdf: `${base}/poster.pdf`,
      };
    },
  );
}

const REMEMBERED = 16;

/**
 * Made once per content: the PDF's font subsetting holds the event loop for about half a second (a second
 * on a busy machine), and a station prints the same poster more than once. At most 16 images (a few MB).
 */
async function remembered(ctx: PosterContext, key: string, make: () => Promise<Buffer>): Promise<Buffer> {
  const hit = ctx.made.get(key);
  if (hit) return hit;
  const body = await make();
  ctx.made.set(key, body);
  if (ctx.made.size > REMEMBERED) ctx.made.delete(ctx.made.keys().next().value as string);
  return body;
}

const TYPES = { png: "image/png", pdf: "application/pdf" } as const;

function imageRoute(
  app: RouteApp,
  ctx: PosterContext,
  file: "public-qr.png" | "poster.png" | "poster.pdf",
  summary: string,
  render: (site: PosterSite) => Promise<Buffer>,
): void {
  app.get(
    `/api/workshops/:id/${file}`,
    {
      preHandler: app.authenticate,
      schema: { tags: ["workshops"], summary, params: IdParams, response: { 200: Binary, ...errors } },
    },
    async (req, reply: FastifyReply) => {
      // A path built from a template loses the schema's inference; IdParams has checked it all the same.
      const site = await siteFor(ctx, req, (req.params as { id: number }).id);
      const body = await remembered(ctx, `${file} ${JSON.stringify(site)}`, () => render(site));
      const ext = file.endsWith(".pdf") ? "pdf" : "png";
      // The code on screen is shown inline; the posters are downloads named for the workshop.
      const disposition =
        file === "public-qr.png"
          ? "inline"
          : `attachment; filename="poster-${site.id}.${ext}"; filename*=UTF-8''${encodeURIComponent(`一店一码-${site.name}.${ext}`)}`;
      return reply
        .type(TYPES[ext])
        .header("content-disposition", disposition)
        .header("cache-control", "private, no-cache")
        .send(body);
    },
  );
}
