/**
 * The metrics registry of a process without the api role (`mingfang serve --roles ingest`, `--roles
 * analytics`): process defaults and a `service` label. Its /metrics is served by the operators' listener
 * (INTERNAL_PORT, internal.ts) beside /healthz and /readyz. With the api role in the process every part
 * registers on the API's registry instead.
 */
import { collectDefaultMetrics, Registry } from "prom-client";

export function createProcessRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: "mingfang_" });
  return registry;
}
