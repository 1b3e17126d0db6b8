/**
 * Serves the built console (`console/dist`) at `/`: hashed assets with a year's cache, `index.html` never
 * cached, and every other GET that is not an API, media or health path answered with `index.html` (the
 * router's history mode). The console's pages pass the strict Content-Security-Policy that every answer
 * carries (`CSP_DIRECTIVES` in plugins/security.plugin.ts, with the other security headers, by helmet).
 *
 * The public transparent-supervision pages (`console/public.html`, a separate small entry of the same
 * build) are served for `GET /public` and `GET /public/sites/:id`, with the same policy; every other path
 * under /public belongs to the server (the public live video) and is a JSON 404 when unknown.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ApiDeps } from "../context.js";

/** Paths that belong to the server: an unknown one is a JSON 404, never the console's page. */
const SERVER_PATHS = /^\/(api|media|public|ws|healthz|readyz|metrics)(\/|$|\?)/;

/** `console/dist` of this checkout, from `services/api/{src,dist}/console/`. */
export function defaultConsoleDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../console/dist");
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply.header("cache-control", "no-cache");
}

export async function consoleRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const root = path.resolve(deps.config.CONSOLE_DIR ?? defaultConsoleDir());
  const built = existsSync(path.join(root, "index.html"));
  if (!built) {
    app.log.warn({ root }, "console not built (npm run build -w console): GET / answers 503");
    app.get("/", { schema: { hide: true } }, async (_req, reply) =>
      reply
        .status(503)
        .type("text/plain; charset=utf-8")
        .send(`The console is not built. Run: npm run build -w console (looked in ${root})\n`),
    );
    return;
  }
  // Assets are looked up at request time (a rebuilt console is served without a restart); their names
  // carry a content hash, so they are cached for a year.
  await app.register(fastifyStatic, {
    root: path.join(root, "assets"),
    prefix: "/assets/",
    index: false,
    // Also called for the page and the favicon sent with sendFile: those are never cached.
    setHeaders(reply, filePath) {
      const asset = path.dirname(filePath) === path.join(root, "assets");
      reply.header("cache-control", asset ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
  const sendIndex = (reply: FastifyReply) => pageHeaders(reply).sendFile("index.html", root);
  app.get("/", { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  publicPages(app, root);
  app.get("/*", { schema: { hide: true } }, (req, reply) => {
    if (SERVER_PATHS.test(req.url)) return reply.callNotFound();
    const file = (req.url.split("?")[0] ?? "").slice(1);
    if (path.extname(file) === "") return sendIndex(reply);
    // A top-level file of the build (favicon); anything else with an extension is a 404, not the page
    // (the browser would try to read HTML as an image or a script).
    if (/^[\w.-]+$/.test(file) && file !== "index.html" && existsSync(path.join(root, file)))
      return reply.header("cache-control", "no-cache").sendFile(file, root);
    return reply.callNotFound();
  });
}

/** The public pages' entry for the list and for one site (the site's id is checked by the page's API call). */
function publicPages(app: FastifyInstance, root: string): void {
  const sendPublic = (reply: FastifyReply) =>
    existsSync(path.join(root, "public.html"))
      ? pageHeaders(reply).sendFile("public.html", root)
      : reply.callNotFound();
  app.get("/public", { schema: { hide: true } }, (_req, reply) => sendPublic(reply));
  app.get<{ Params: { id: string } }>("/public/sites/:id", { schema: { hide: true } }, (req, reply) =>
    /^\d{1,10}$/.test(req.params.id) ? sendPublic(reply) : reply.callNotFound(),
  );
}
