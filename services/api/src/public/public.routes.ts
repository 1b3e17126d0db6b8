/**
 * `/api/public/*`: the transparent-supervision demonstration sites for anyone, without an account — the
 * list, one site's card (亮证经营), record and live cameras, and citizens' feedback. Only demonstration
 * sites answer; any other id is the same 404 as a missing one. JSON answers may be cached briefly by
 * browsers and proxies (`PUBLIC_CACHE_SECONDS`); feedback is never cached. Every public path (these, the
 * pages under `/public`, the live video under `/public/hls`) is rate-limited per address by
 * `publicRateLimit`, which `app.ts` installs at the root so that it covers routes of other plugins too.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  ErrorBody,
  IdParams,
  PublicFeedbackBody,
  PublicFeedbackReceipt,
  PublicSiteDetail,
  PublicSiteList,
} from "@mingfang/core";
import type { FastifyInstance } from "fastify";
import type { ApiDeps, RouteApp } from "../context.js";
import { notFound } from "../errors.js";
import { siteDetail, siteSummary } from "./public.views.js";
import { PublicFeedbackService } from "./public-feedback.service.js";
import { PublicLimiter, publicClassOf, refuse } from "./public-limits.js";
import { PublicSiteRepository } from "./public-site.repository.js";

const errors = { 400: ErrorBody, 404: ErrorBody, 429: ErrorBody };

interface Ctx {
  sites: PublicSiteRepository;
  limiter: PublicLimiter;
  feedback: PublicFeedbackService;
  cache: string;
}

function limiterOf(deps: ApiDeps): PublicLimiter {
  return new PublicLimiter(deps.redis, deps.keyring.publicIp, deps.config);
}

/** The per-address budget of every public request (JSON, pages, live video): 429 + retry-after past it. */
export function publicRateLimit(app: FastifyInstance, deps: ApiDeps): void {
  const limiter = limiterOf(deps);
  app.addHook("onRequest", async (req, reply) => {
    const kind = publicClassOf(req.url);
    if (!kind) return;
    const wait = await limiter.request(kind, req.ip);
    if (wait > 0) throw refuse(reply, wait, `Too many requests from this address; try again in ${wait} s`);
  });
}

export const publicRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const ctx: Ctx = {
    sites: new PublicSiteRepository(deps.db),
    limiter: limiterOf(deps),
    feedback: new PublicFeedbackService(deps.db, app.events),
    cache: `public, max-age=${deps.config.PUBLIC_CACHE_SECONDS}`,
  };
  listSites(app, ctx);
  readSite(app, ctx);
  leaveFeedback(app, ctx);
};

function listSites(app: RouteApp, { sites, cache }: Ctx): void {
  app.get(
    "/api/public/sites",
    {
      schema: {
        tags: ["public"],
        summary: "The transparent-supervision demonstration sites (no sign-in)",
        security: [],
        response: { 200: PublicSiteList, 429: ErrorBody },
      },
    },
    async (_req, reply) => {
      const [rows, cameras] = await Promise.all([sites.sites(), sites.cameras()]);
      const cover = new Map<number, (typeof cameras)[number]>();
      for (const c of cameras) if (!cover.has(c.workshop_id)) cover.set(c.workshop_id, c);
      reply.header("cache-control", cache);
      return { items: rows.map((s) => siteSummary(s, cover.get(s.id))) };
    },
  );
}

function readSite(app: RouteApp, { sites, cache }: Ctx): void {
  app.get(
    "/api/public/sites/:id",
    {
      schema: {
        tags: ["public"],
        summary:
          "A demonstration site: its licence card, live cameras, days since its last confirmed violation, latest closed rectification",
        security: [],
        params: IdParams,
        response: { 200: PublicSiteDetail, ...errors },
      },
    },
    async (req, reply) => {
      const site = await sites.site(req.params.id);
      if (!site) throw notFound("site");
      const [cameras, violation, rect] = await Promise.all([
        sites.cameras(site.id),
        sites.lastViolationAt(site.id),
        sites.lastRectification(site.id),
      ]);
      reply.header("cache-control", cache);
      return siteDetail(site, cameras, violation, rect, new Date());
    },
  );
}

function leaveFeedback(app: RouteApp, { limiter, feedback }: Ctx): void {
  app.post(
    "/api/public/sites/:id/feedback",
    {
      schema: {
        tags: ["public"],
        summary:
          "Leave praise, a suggestion or a complaint for the site's station (no account; rate-limited)",
        security: [],
        params: IdParams,
        body: PublicFeedbackBody,
        response: { 201: PublicFeedbackReceipt, ...errors },
      },
    },
    async (req, reply) => {
      const site = await feedback.siteFor(req.params.id);
      const ipHash = limiter.ipHash(req.ip);
      const wait = await limiter.feedback(ipHash, site.id);
      if (wait > 0)
        throw refuse(reply, wait, "Too many messages from this address today; please try again tomorrow");
      const row = await feedback.submit(site, req.body, ipHash);
      reply.header("cache-control", "no-store");
      return reply.status(201).send({ received: true as const, at: new Date(row.created_at).toISOString() });
    },
  );
}
