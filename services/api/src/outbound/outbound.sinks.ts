/**
 * The two outbound sinks: an HMAC-signed webhook (fetch) and MQTT (the `mqtt` package). Each delivers
 * one message or throws; the BullMQ worker retries with back-off. The only module that imports `mqtt`.
 */
import { type OutboundBody, retryableStatus, WEBHOOK_HEADERS, webhookSignature } from "@mingfang/core";
import { UnrecoverableError } from "bullmq";
import mqtt, { type MqttClient } from "mqtt";

export class WebhookSink {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async deliver(body: OutboundBody): Promise<void> {
    const raw = JSON.stringify(body);
    const ts = Math.floor(Date.now() / 1000);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "mingfang-outbound/1",
          [WEBHOOK_HEADERS.event]: body.kind,
          [WEBHOOK_HEADERS.delivery]: body.id,
          [WEBHOOK_HEADERS.timestamp]: String(ts),
          [WEBHOOK_HEADERS.signature]: webhookSignature(this.secret, ts, raw),
        },
        body: raw,
        redirect: "error",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(`webhook unreachable: ${(err as Error).message}`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    if (retryableStatus(res.status)) throw new Error(`webhook answered ${res.status}`);
    // The receiver refuses this message (bad signature, unknown route): retrying will not help.
    throw new UnrecoverableError(`webhook refused with ${res.status}`);
  }
}

export class MqttSink {
  private client: MqttClient | null = null;

  constructor(
    private readonly url: string,
    private readonly onError: (err: Error) => void,
  ) {}

  private connect(): MqttClient {
    if (!this.client) {
      this.client = mqtt.connect(this.url, {
        clientId: `mingfang-api-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
        reconnectPeriod: 1000,
        connectTimeout: 5000,
        clean: true,
      });
      this.client.on("error", (err) => this.onError(err));
    }
    return this.client;
  }

  /** Publishes with QoS 1 (at least once): resolves on the broker's PUBACK. */
  async deliver(topic: string, body: OutboundBody, timeoutMs = 10_000): Promise<void> {
    const client = this.connect();
    if (!client.connected) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => {
            client.off("connect", ok);
            reject(new Error("MQTT broker not reachable"));
          },
          Math.min(timeoutMs, 5000),
        );
        const ok = () => {
          clearTimeout(t);
          resolve();
        };
        client.once("connect", ok);
      });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.publishAsync(topic, JSON.stringify(body), { qos: 1, retain: false }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("MQTT publish not acknowledged in time")), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true).catch(() => undefined);
  }
}
