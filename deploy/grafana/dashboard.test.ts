/**
 * The Grafana dashboard and the Prometheus example against the code: every metric a dashboard query uses
 * is one a registry of the platform registers (the API's, with its plugins; the ingest's; the analytics
 * worker's; a process's defaults), so renaming a metric fails here. Every metric the platform registers
 * is documented in docs/operations.md, and the dashboard covers the figures issue 16 asks for.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createAnalyticsRegistry } from "@mingfang/analytics";
import { registerIngestMetrics } from "@mingfang/ingest";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createProcessRegistry } from "../../services/cli/src/metrics-server.js";
import { buildTestApp, type TestApp } from "../../test/support/harness.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (p: string) => readFileSync(path.join(ROOT, p), "utf8");

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

let t: TestApp;
/** Series names each registry exposes (a histogram's _bucket, _sum and _count included). */
const exposed = new Set<string>();
/** The platform's own metrics (not the process defaults), by name. */
const own = new Set<string>();

async function collect(registry: Registry, defaults: boolean): Promise<void> {
  for (const m of await registry.getMetricsAsJSON()) {
    const suffixes =
      m.type === "histogram"
        ? ["_bucket", "_sum", "_count"]
        : m.type === "summary"
          ? ["", "_sum", "_count"]
          : [""];
    for (const s of suffixes) exposed.add(`${m.name}${s}`);
    if (!defaults) own.add(m.name);
  }
}

beforeAll(async () => {
  t = await buildTestApp({ seed: false });
  const api = t.app.metrics;
  const defaults = new Set((await createProcessRegistry("x").getMetricsAsJSON()).map((m) => m.name));
  for (const m of await api.getMetricsAsJSON()) if (!defaults.has(m.name)) own.add(m.name);
  await collect(api, true);
  await collect(createAnalyticsRegistry().registry, false);
  const ingest = new Registry();
  registerIngestMetrics(ingest);
  await collect(ingest, false);
  await collect(createProcessRegistry("mingfang-ingest"), true);
});

afterAll(async () => {
  await t?.close();
});

function dashboardExprs(): { panel: string; expr: string }[] {
  const d = JSON.parse(read("deploy/grafana/mingfang.json")) as { panels: Panel[]; uid: string };
  expect(d.uid).toBe("mingfang-ops");
  return d.panels
    .filter((p) => p.type !== "row")
    .flatMap((p) => {
      expect(p.targets?.length, `panel ${p.title} has queries`).toBeGreaterThan(0);
      return (p.targets ?? []).map((q) => ({ panel: p.title, expr: q.expr }));
    });
}

const metricNames = (expr: string) => [...expr.matchAll(/\bmingfang_[a-z0-9_]+/g)].map((m) => m[0]);

describe("deploy/grafana/mingfang.json", () => {
  it("queries only metrics the code registers", () => {
    const unknown = dashboardExprs().flatMap(({ panel, expr }) =>
      metricNames(expr)
        .filter((n) => !exposed.has(n))
        .map((n) => `${panel}: ${n}`),
    );
    expect(exposed.size).toBeGreaterThan(30);
    expect(unknown).toEqual([]);
  });

  it("covers cameras by state, frames/s, inference p50/p95, queues, alerts by type, WS clients, lease moves", () => {
    const used = new Set(dashboardExprs().flatMap(({ expr }) => metricNames(expr)));
    for (const n of [
      "mingfang_cameras",
      "mingfang_ingest_cameras",
      "mingfang_ingest_frames_sampled_total",
      "mingfang_analytics_frames_total",
      "mingfang_analytics_frame_seconds_bucket",
      "mingfang_analytics_model_seconds_bucket",
      "mingfang_queue_jobs",
      "mingfang_queue_oldest_waiting_seconds",
      "mingfang_alerts_created_total",
      "mingfang_analytics_alerts_total",
      "mingfang_ws_clients",
      "mingfang_ingest_lease_moves_total",
    ])
      expect(used, n).toContain(n);
    const exprs = dashboardExprs().map((e) => e.expr);
    for (const q of ["0.5", "0.95"])
      expect(exprs).toContain(
        `histogram_quantile(${q}, sum by (le) (rate(mingfang_analytics_frame_seconds_bucket[5m]))) * 1000`,
      );
  });
});

describe("docs and the scrape example", () => {
  it("docs/operations.md documents every metric the platform registers", () => {
    const doc = read("docs/operations.md");
    const section = doc.slice(doc.indexOf("## Metrics"));
    expect(doc).toContain("## Metrics");
    for (const n of [
      "mingfang_cameras",
      "mingfang_ws_clients",
      "mingfang_analytics_frame_seconds",
      "mingfang_ingest_lease_moves_total",
    ])
      expect(own).toContain(n);
    expect([...own].filter((n) => !section.includes(`\`${n}`))).toEqual([]);
  });

  it("deploy/prometheus.yml scrapes every process on the INTERNAL_PORT docker-compose.yml sets", () => {
    const compose = parse(read("docker-compose.yml")) as Record<string, Record<string, string>>;
    const env = compose["x-mingfang-env"]!;
    const cfg = parse(read("deploy/prometheus.yml")) as {
      scrape_configs: {
        job_name: string;
        metrics_path: string;
        dns_sd_configs: { names: string[]; port: number }[];
      }[];
    };
    const jobs = Object.fromEntries(cfg.scrape_configs.map((j) => [j.job_name, j]));
    expect(Object.keys(jobs).sort()).toEqual(["mingfang-analytics", "mingfang-api", "mingfang-ingest"]);
    expect(jobs["mingfang-api"]?.dns_sd_configs[0]?.port).toBe(Number(env.INTERNAL_PORT));
    expect(jobs["mingfang-ingest"]?.dns_sd_configs[0]?.port).toBe(Number(env.INTERNAL_PORT));
    expect(jobs["mingfang-analytics"]?.dns_sd_configs[0]?.port).toBe(Number(env.INTERNAL_PORT));
    for (const j of cfg.scrape_configs) expect(j.metrics_path).toBe("/metrics");
  });
});
