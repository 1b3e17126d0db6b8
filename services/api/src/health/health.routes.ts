import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { pingRedis } from "@mingfang/core";
import { Type } from "typebox";
import type { ApiDeps } from "../context.js";

const Health = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("unavailable")]),
  database: Type.Optional(Type.Boolean()),
  redis: Type.Optional(Type.Boolean()),
});

export const healthRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  app.get(
    "/healthz",
    { schema: { tags: ["health"], summary: "The process is up", response: { 200: Health } } },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["health"],
        summary: "The database and Redis are reachable",
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      const [database, redis] = await Promise.all([deps.pingDb(2000), pingRedis(deps.redis, 2000)]);
      const ok = database && redis;
      return reply.status(ok ? 200 : 503).send({ status: ok ? "ok" : "unavailable", database, redis });
    },
  );
};
