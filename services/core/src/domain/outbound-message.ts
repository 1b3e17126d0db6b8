/**
 * Outbound events for the bureau's other systems: which events go out, their JSON body, their MQTT
 * topic, and the webhook signature. Pure (node:crypto only), tested with plain data.
 *
 * Webhook signature: `X-Mingfang-Signature: sha256=<hex>` where hex = HMAC-SHA256(secret,
 * `<X-Mingfang-Timestamp>.<raw body>`) and the timestamp is Unix seconds at the time of sending. A
 * receiver recomputes it over the raw bytes, compares in constant time, and refuses a timestamp more
 * than five minutes away from its clock (replays). `X-Mingfang-Delivery` (the event's seq) is the same
 * on every retry of one event: receivers deduplicate on it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The event kinds that go out: new alerts and every change of a case. */
export const OUTBOUND_KINDS = ["alert.created", "case.created", "case.updated"] as const;
export type OutboundKind = (typeof OUTBOUND_KINDS)[number];

export function isOutbound(kind: string): kind is OutboundKind {
  return (OUTBOUND_KINDS as readonly string[]).includes(kind);
}

export interface OutboundEvent {
  seq: string;
  kind: string;
  stationId: number | null;
  stationCode: string | null;
  createdAt: string;
  payload: Record<string, unknown>;
}

export interface OutboundBody {
  /** The event's seq: unique and increasing; the deduplication key. */
  id: string;
  kind: OutboundKind;
  occurredAt: string;
  station: { id: number; code: string } | null;
  data: Record<string, unknown>;
}

export function outboundBody(e: OutboundEvent): OutboundBody {
  if (!isOutbound(e.kind)) throw new Error(`not an outbound kind: ${e.kind}`);
  return {
    id: e.seq,
    kind: e.kind,
    occurredAt: e.createdAt,
    station: e.stationId !== null && e.stationCode ? { id: e.stationId, code: e.stationCode } : null,
    data: e.payload,
  };
}

/** `<prefix>/<station code>/alerts` or `…/cases`; events of no station go under `<prefix>/bureau/…`. */
export function mqttTopic(prefix: string, e: Pick<OutboundEvent, "kind" | "stationCode">): string {
  const what = e.kind.startsWith("alert.") ? "alerts" : "cases";
  const station = e.stationCode && /^[A-Za-z0-9_-]+$/.test(e.stationCode) ? e.stationCode : "bureau";
  return `${prefix.replace(/\/+$/, "")}/${station}/${what}`;
}

export const WEBHOOK_HEADERS = {
  signature: "x-mingfang-signature",
  timestamp: "x-mingfang-timestamp",
  event: "x-mingfang-event",
  delivery: "x-mingfang-delivery",
} as const;

export function webhookSignature(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex")}`;
}

/** What a receiver does; exported for the tests and for the documentation's example. */
export function verifyWebhook(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts)) return false;
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const want = Buffer.from(webhookSignature(secret, ts, rawBody));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Whether an HTTP status from the receiver is worth another attempt (5xx, timeouts, rate limits). */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
