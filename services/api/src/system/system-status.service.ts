/** Gathers the system status: each part read by its own module, all at once. */
import type { Redis, SystemStatus } from "@mingfang/core";
import type { FastifyInstance } from "fastify";
import { readAnalyticsStats } from "./analytics-stats.js";
import { countByStatus, readCameraHealth } from "./camera-health.js";
import type { DiskUsage } from "./disk-usage.js";
import type { QueueStats } from "./queue-stats.js";
import type { SystemRepository } from "./system.repository.js";

export interface SystemStatusDeps {
  app: FastifyInstance;
  redis: Redis;
  repo: SystemRepository;
  queues: QueueStats;
  disk: DiskUsage;
}

function processStatus(): SystemStatus["process"] {
  const m = process.memoryUsage();
  return {
    pid: process.pid,
    node: process.version,
    uptimeSeconds: Math.round(process.uptime()),
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
  };
}

export async function systemStatus(d: SystemStatusDeps): Promise<SystemStatus> {
  const now = Date.now();
  const [items, analytics, queues, seq, disk] = await Promise.all([
    d.repo.cameras().then((rows) => readCameraHealth(d.redis, rows)),
    readAnalyticsStats(d.redis, now),
    d.queues.read(now),
    d.repo.latestEventSeq(),
    d.disk.read(now),
  ]);
  const hub = d.app.wsHub;
  return {
    at: new Date(now).toISOString(),
    cameras: { total: items.length, byStatus: countByStatus(items), items },
    analytics,
    queues,
    websocket: {
      clients: hub.size,
      sent: hub.stats.sent,
      droppedSlow: hub.stats.droppedSlow,
      droppedSilent: hub.stats.droppedSilent,
      replayed: hub.stats.replayed,
    },
    events: { seq, deliveredSeq: d.app.events.deliveredSeq },
    disk,
    process: processStatus(),
  };
}
