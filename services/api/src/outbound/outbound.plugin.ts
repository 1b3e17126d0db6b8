/**
 * Outbound events (optional by configuration): new alerts and case changes go to an HMAC-signed
 * webhook (OUTBOUND_WEBHOOK_URL) and/or an MQTT broker (OUTBOUND_MQTT_URL).
 *
 * The `events` table is the source (through the event bus). The relay turns each outbound event into
 * one BullMQ job per sink on the `outbound` queue, with job id `<sink>-<seq>`: every API process relays
 * every event it sees and BullMQ drops the duplicates, so one delivery per event and sink whatever the
 * number of processes. A cursor in Redis (the highest seq relayed) lets a restarted process relay what
 * was committed while no relay ran. The worker delivers and retries with exponential back-off
 * (OUTBOUND_BACKOFF_MS, doubled each time, OUTBOUND_MAX_ATTEMPTS attempts); a webhook that answers a
 * 4xx other than 408/429 is not retried.
 */
import {
  type Config,
  ConfigError,
  isOutbound,
  type Logger,
  mqttTopic,
  type OutboundBody,
  outboundBody,
  QUEUES,
  type Redis,
} from "@mingfang/core";
import { type Job, Queue, Worker } from "bullmq";
import fp from "fastify-plugin";
import type { ApiDeps } from "../context.js";
import { EventRepository } from "../events/event.repository.js";
import type { BusEvent, EventBus } from "../events/event-bus.js";
import { queueConnection, queuePrefix } from "../queues/queue-connections.js";
import { OutboundRepository } from "./outbound.repository.js";
import { MqttSink, WebhookSink } from "./outbound.sinks.js";

export interface OutboundJob {
  sink: "webhook" | "mqtt";
  topic?: string;
  body: OutboundBody;
}

const CURSOR_KEY = "mingfang:outbound:cursor";
/** Sets the cursor only forward (several processes relay at once). */
const SET_MAX = `local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

interface Sinks {
  webhook: WebhookSink | null;
  mqtt: MqttSink | null;
}

export const outboundPlugin = fp<ApiDeps>(
  async (app, deps) => {
    const { config, redis, db } = deps;
    if (!config.OUTBOUND_WEBHOOK_URL && !config.OUTBOUND_MQTT_URL) return;
    if (config.OUTBOUND_WEBHOOK_URL && !config.OUTBOUND_WEBHOOK_SECRET)
      throw new ConfigError(["OUTBOUND_WEBHOOK_SECRET: required when OUTBOUND_WEBHOOK_URL is set"]);
    const log = deps.logger.child({ component: "outbound" });
    const bus = app.events;

    const producerConn = queueConnection(redis);
    const workerConn = queueConnection(redis);
    const prefix = queuePrefix(redis);
    const queue = new Queue<OutboundJob>(QUEUES.outbound, { connection: producerConn, prefix });
    const sinks = outboundSinks(config, log);
    const relay = relayer(config, sinks, queue, redis, new OutboundRepository(db));
    const ordered = inOrder(relay, log);
    const worker = deliveryWorker(sinks, { connection: workerConn, prefix }, log);

    let unsubscribe: (() => void) | null = null;
    app.addHook("onReady", async () => {
      unsubscribe = bus.subscribe(ordered.enqueue);
      await catchUp(redis, bus, new EventRepository(db), ordered.enqueue);
      void worker.run();
      log.info({ webhook: !!sinks.webhook, mqtt: !!sinks.mqtt }, "outbound events on");
    });
    app.addHook("preClose", async () => {
      unsubscribe?.();
      await ordered.idle();
      await worker.close();
      await queue.close();
      await sinks.mqtt?.close();
      producerConn.disconnect();
      workerConn.disconnect();
    });
  },
  { name: "outbound", dependencies: ["alerts"] },
);

function outboundSinks(config: Config, log: Logger): Sinks {
  const webhookUrl = config.OUTBOUND_WEBHOOK_URL;
  const mqttUrl = config.OUTBOUND_MQTT_URL;
  return {
    webhook: webhookUrl ? new WebhookSink(webhookUrl, config.OUTBOUND_WEBHOOK_SECRET!) : null,
    mqtt: mqttUrl
      ? new MqttSink(mqttUrl, (err) => log.debug({ err: err.message }, "mqtt client error"))
      : null,
  };
}

/** Turns one event into its delivery jobs (one per sink, job id `<sink>-<seq>`), then moves the cursor. */
function relayer(
  config: Config,
  sinks: Sinks,
  queue: Queue<OutboundJob>,
  redis: Redis,
  repo: OutboundRepository,
): (e: BusEvent) => Promise<void> {
  const jobOptions = {
    attempts: config.OUTBOUND_MAX_ATTEMPTS,
    backoff: { type: "exponential", delay: config.OUTBOUND_BACKOFF_MS },
    removeOnComplete: { age: 24 * 3600, count: 20_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  } as const;

  const codes = new Map<number, string>();
  async function stationCode(id: number | null): Promise<string | null> {
    if (id === null) return null;
    if (!codes.has(id)) {
      const code = await repo.stationCode(id);
      if (code !== undefined) codes.set(id, code);
    }
    return codes.get(id) ?? null;
  }

  return async (e: BusEvent): Promise<void> => {
    if (isOutbound(e.kind)) {
      const code = await stationCode(e.stationId);
      const body = outboundBody({ ...e, stationCode: code });
      const jobs: { name: string; data: OutboundJob; opts: { jobId: string } & typeof jobOptions }[] = [];
      if (sinks.webhook)
        jobs.push({
          name: "webhook",
          data: { sink: "webhook", body },
          opts: { jobId: `webhook-${e.seq}`, ...jobOptions },
        });
      if (sinks.mqtt) {
        const topic = mqttTopic(config.OUTBOUND_MQTT_TOPIC_PREFIX, { kind: e.kind, stationCode: code });
        jobs.push({
          name: "mqtt",
          data: { sink: "mqtt", topic, body },
          opts: { jobId: `mqtt-${e.seq}`, ...jobOptions },
        });
      }
      await queue.addBulk(jobs);
    }
    await redis.eval(SET_MAX, 1, CURSOR_KEY, e.seq);
  };
}

/** Events are relayed one after another, in seq order. `idle()` waits for the last one. */
function inOrder(relay: (e: BusEvent) => Promise<void>, log: Logger) {
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (e: BusEvent) => {
    chain = chain.then(
      () => relay(e),
      () => relay(e),
    );
    chain.catch((err: Error) => log.warn({ err: err.message, seq: e.seq }, "outbound relay failed"));
  };
  return { enqueue, idle: () => chain.catch(() => undefined) };
}

/** What was committed since the cursor (a restart, a crash between commit and relay). */
async function catchUp(
  redis: Redis,
  bus: EventBus,
  events: EventRepository,
  enqueue: (e: BusEvent) => void,
): Promise<void> {
  let cursor = await redis.get(CURSOR_KEY);
  if (cursor === null) {
    // First start with outbound on: begin now, do not replay the history.
    await redis.set(CURSOR_KEY, await events.topSeq(), "NX");
    return;
  }
  for (;;) {
    const rows = await bus.readSince(cursor, 500, bus.deliveredSeq);
    for (const e of rows) enqueue(e);
    if (rows.length < 500) break;
    cursor = rows[rows.length - 1]!.seq;
  }
}

/** Delivers the jobs; BullMQ retries a failure with the job's back-off. */
function deliveryWorker(
  sinks: Sinks,
  conn: { connection: ReturnType<typeof queueConnection>; prefix: string },
  log: Logger,
): Worker<OutboundJob> {
  const worker = new Worker<OutboundJob>(
    QUEUES.outbound,
    async (job: Job<OutboundJob>) => {
      const d = job.data;
      if (d.sink === "webhook") {
        if (!sinks.webhook) return "skipped";
        await sinks.webhook.deliver(d.body);
      } else {
        if (!sinks.mqtt || !d.topic) return "skipped";
        await sinks.mqtt.deliver(d.topic, d.body);
      }
      return "delivered";
    },
    { ...conn, concurrency: 4, autorun: false },
  );
  worker.on("failed", (job, err) => {
    const final = job && job.attemptsMade >= (job.opts.attempts ?? 1);
    log[final ? "warn" : "debug"](
      { sink: job?.data.sink, seq: job?.data.body.id, attempt: job?.attemptsMade, err: err.message },
      final ? "outbound delivery given up" : "outbound delivery failed; will retry",
    );
  });
  worker.on("error", (err) => log.debug({ err: err.message }, "outbound worker error"));
  return worker;
}
