/**
 * `GET /api/system/status` — the system status page's figures as JSON (bureau admin only, action
 * `system.read`): cameras by state, analytics throughput and inference time, queue depths and lag,
 * WebSocket clients, the event log's seq, disk use, the process.
 */
import path from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ErrorBody, resolveDataDir, SystemStatus } from "@mingfang/core";
import type { ApiDeps } from "../context.js";
import { can, currentUser } from "../plugins/auth.plugin.js";
import { DiskUsage } from "./disk-usage.js";
import { QueueStats } from "./queue-stats.js";
import { SystemRepository } from "./system.repository.js";
import { systemStatus } from "./system-status.service.js";

export const systemRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const dataDir = resolveDataDir(deps.config);
  const repo = new SystemRepository(deps.db);
  const queues = new QueueStats(deps.redis, deps.logger);
  const disk = new DiskUsage(dataDir, path.join(dataDir, "media"));
  app.addHook("onClose", () => queues.close());

  app.get(
    "/api/system/status",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["system"],
        summary: "System status for the bureau's system page (JSON, not Prometheus text)",
        response: { 200: SystemStatus, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      can(currentUser(req), "system.read", "system");
      return systemStatus({ app, redis: deps.redis, repo, queues, disk });
    },
  );
};
