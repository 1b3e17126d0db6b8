/**
 * Outbound events against real peers on 127.0.0.1: a private mosquitto and a local HTTP server. A new
 * alert and a case's changes reach MQTT on `mingfang/<station>/alerts|cases` and the webhook, signed;
 * the webhook's 5xx is retried with back-off, a 4xx is not; each event is delivered once per sink.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { verifyWebhook } from "@mingfang/core";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  camerasOfTwoStations,
  makeAlert,
  type StationCamera,
} from "../../../../test/support/alert-fixtures.js";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";
import { type PrivateMosquitto, startPrivateMosquitto } from "../../../../test/support/mosquitto.js";

const SECRET = "outbound-test-secret-0123456789";

interface Hit {
  at: number;
  headers: http.IncomingHttpHeaders;
  raw: string;
  status: number;
}

let t: TestApp;
let broker: PrivateMosquitto;
let server: http.Server;
let dataDir: string;
let A: StationCamera;
let B: StationCamera;
let subscriber: mqtt.MqttClient;
const hits: Hit[] = [];
const messages: { topic: string; body: Record<string, unknown> }[] = [];
/** Per delivery id: how many times to answer this status before 200. */
const script = new Map<string, number[]>();

async function until<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "mingfang-outbound-"));
  broker = await startPrivateMosquitto();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const id = String(req.headers["x-mingfang-delivery"]);
      const plan = script.get(id) ?? [];
      const status = plan.shift() ?? 200;
      hits.push({ at: Date.now(), headers: req.headers, raw, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  subscriber = await mqtt.connectAsync(broker.url, { clientId: "test-subscriber" });
  await subscriber.subscribeAsync("mingfang/#", { qos: 1 });
  subscriber.on("message", (topic, payload) =>
    messages.push({ topic, body: JSON.parse(payload.toString()) }),
  );
  t = await buildTestApp({
    env: {
      DATA_DIR: dataDir,
      OUTBOUND_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/mingfang`,
      OUTBOUND_WEBHOOK_SECRET: SECRET,
      OUTBOUND_MQTT_URL: broker.url,
      OUTBOUND_BACKOFF_MS: "100",
      OUTBOUND_MAX_ATTEMPTS: "4",
    },
    alerts: { workers: false, cooldownMinutes: 0 },
  });
  [A, B] = await camerasOfTwoStations(t.db);
});

afterAll(async () => {
  await t?.close();
  await subscriber?.endAsync(true);
  await new Promise((r) => server?.close(r));
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("outbound events", () => {
  it("a new alert goes to MQTT under its station's topic and to the webhook, signed", async () => {
    const job = await makeAlert(t.redis, A.cameraId);
    const r = await t.app.alertService.intake(job);
    expect(r.outcome).toBe("created");
    const msg = await until("the MQTT message", () =>
      messages.find((m) => (m.body.data as { id?: string }).id === job.id),
    );
    expect(msg.topic).toBe(`mingfang/${A.stationCode}/alerts`);
    expect(msg.body.kind).toBe("alert.created");
    expect(msg.body.station).toEqual({ id: A.stationId, code: A.stationCode });

    const hit = await until("the webhook", () => hits.find((h) => JSON.parse(h.raw).data.id === job.id));
    expect(hit.headers["x-mingfang-event"]).toBe("alert.created");
    expect(hit.headers["x-mingfang-delivery"]).toBe(msg.body.id);
    const ok = verifyWebhook(
      SECRET,
      {
        signature: String(hit.headers["x-mingfang-signature"]),
        timestamp: String(hit.headers["x-mingfang-timestamp"]),
      },
      hit.raw,
      Math.floor(Date.now() / 1000),
    );
    expect(ok).toBe(true);
    expect(
      verifyWebhook(
        "wrong-secret-wrong-secret",
        {
          signature: String(hit.headers["x-mingfang-signature"]),
          timestamp: String(hit.headers["x-mingfang-timestamp"]),
        },
        hit.raw,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(false);
  });

  it("case changes go to <station>/cases; a 5xx is retried with back-off until delivered, once", async () => {
    const cookie = await t.login(`${B.stationCode}.duty`);
    // The next event's seq is unknown before it exists: make the receiver fail the first two tries of
    // whatever case.created arrives, by scripting on the event kind.
    const failFirst = new Set<string>();
    const origGet = script.get.bind(script);
    script.get = (id: string) => {
      if (!script.has(id) && !failFirst.has(id)) {
        const h = hits.find((x) => x.headers["x-mingfang-delivery"] === id);
        if (!h) {
          failFirst.add(id);
          script.set(id, [503, 500]);
        }
      }
      return origGet(id);
    };
    const res = await t.app.inject({
      method: "POST",
      url: "/api/cases",
      headers: { cookie },
      payload: { workshopId: B.workshopId, title: "外发测试" },
    });
    expect(res.statusCode).toBe(201);
    const caseId = res.json().id;
    await t.app.inject({
      method: "POST",
      url: `/api/cases/${caseId}/transitions`,
      headers: { cookie },
      payload: { transition: "dispatch" },
    });

    const mq = await until("two case messages", () => {
      const m = messages.filter((x) => (x.body.data as { id?: string }).id === caseId);
      return m.length >= 2 ? m : undefined;
    });
    expect(mq.map((m) => m.topic)).toEqual([
      `mingfang/${B.stationCode}/cases`,
      `mingfang/${B.stationCode}/cases`,
    ]);
    expect(mq.map((m) => m.body.kind)).toEqual(["case.created", "case.updated"]);
    expect((mq[1]!.body.data as { state: string }).state).toBe("dispatched");

    const created = await until("the delivered case.created", () => {
      const hs = hits.filter(
        (h) => h.headers["x-mingfang-event"] === "case.created" && JSON.parse(h.raw).data.id === caseId,
      );
      return hs.some((h) => h.status === 200) ? hs : undefined;
    });
    expect(created.map((h) => h.status)).toEqual([503, 500, 200]);
    // Exponential back-off: 100 ms, then 200 ms.
    expect(created[1]!.at - created[0]!.at).toBeGreaterThanOrEqual(90);
    expect(created[2]!.at - created[1]!.at).toBeGreaterThanOrEqual(190);
    // The same delivery id on every attempt, each attempt freshly signed.
    expect(new Set(created.map((h) => h.headers["x-mingfang-delivery"])).size).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(
      hits.filter(
        (h) => h.headers["x-mingfang-event"] === "case.created" && JSON.parse(h.raw).data.id === caseId,
      ),
    ).toHaveLength(3);
    expect(messages.filter((x) => (x.body.data as { id?: string }).id === caseId)).toHaveLength(2);
  });

  it("a webhook that refuses with 4xx is not retried", async () => {
    const job = await makeAlert(t.redis, A.cameraId, { type: "smoking" });
    const before = hits.length;
    // Every not-yet-seen delivery is refused once with 401.
    script.get = ((id: string) =>
      hits.some((h) => h.headers["x-mingfang-delivery"] === id) ? [] : [401]) as typeof script.get;
    await t.app.alertService.intake(job);
    await until("the refused webhook", () =>
      hits.slice(before).find((h) => JSON.parse(h.raw).data.id === job.id),
    );
    await new Promise((r) => setTimeout(r, 800));
    expect(
      hits
        .slice(before)
        .filter((h) => JSON.parse(h.raw).data.id === job.id)
        .map((h) => h.status),
    ).toEqual([401]);
  });
});
