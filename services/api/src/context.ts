import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Config, Keyring, Logger, Redis } from "@mingfang/core";
import type { Db } from "@mingfang/db";
import type { AlertsOptions } from "./alerts/alerts.options.js";

/** What the API is handed by whoever starts it (the CLI, a test). */
export interface ApiDeps {
  config: Config;
  db: Db;
  pingDb: (timeoutMs?: number) => Promise<boolean>;
  redis: Redis;
  keyring: Keyring;
  logger: Logger;
  /** Alert pipeline tunables (tests shorten the limits; `workers: false` runs no queue consumers). */
  alerts?: Partial<AlertsOptions>;
  /** Recordings (issue 14): `workers: false` runs no recorder, clip or retention workers in this process. */
  recordings?: { workers?: boolean };
}

/**
 * The fastify instance a route plugin is given, with TypeBox types: what a function that registers one
 * route (or a small group) takes, so that a plugin stays a short list of such calls.
 */
export type RouteApp = Parameters<FastifyPluginAsyncTypebox<ApiDeps>>[0];
