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
}
