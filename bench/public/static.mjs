/**
 * bench/public, the baseline: fastify with @fastify/static serving the same HLS folder (`HLS_ROOT`) at
 * /static/hls/<cameraId>/<file>, no logger, its defaults (ETag, Last-Modified, cache-control max-age=0).
 * Forked by run.mjs; answers `{ ready, port }` over IPC and dies with its parent.
 */
import fastifyStatic from "@fastify/static";
import Fastify from "fastify";

process.on("disconnect", () => process.exit(0));

const app = Fastify({ logger: false });
await app.register(fastifyStatic, { root: process.env.HLS_ROOT, prefix: "/static/hls/" });
await app.listen({ host: "127.0.0.1", port: 0 });
process.send({ ready: true, port: app.server.address().port });
