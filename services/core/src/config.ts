/**
 * Configuration: read from the environment (and an optional JSON file named by MINGFANG_CONFIG),
 * validated against one TypeBox schema at boot. A bad or missing value stops the process with the
 * key's name and what was expected.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";

export const ConfigSchema = Type.Object(
  {
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: "HTTP port of the API." }),
    HOST: Type.String({ default: "0.0.0.0", minLength: 1, description: "Address the HTTP server binds." }),
    PUBLIC_BASE_URL: Type.Optional(
      Type.String({
        pattern: "^https?://",
        description:
          "The address citizens reach the public pages at (http(s)://host[:port][/path], no query): the sites' QR codes and posters point to <this>/public/sites/<id>; unset → the origin the console was opened at (else http://<HOST>:<PORT>): fine for a demo, not for print.",
      }),
    ),
    DATA_DIR: Type.String({
      default: "./data",
      minLength: 1,
      description: "Where the embedded database, the private Redis, media and the generated secret live.",
    }),
    DATABASE_URL: Type.Optional(
      Type.String({
        pattern: "^postgres(ql)?://",
        description: "PostgreSQL URL; unset → embedded PGlite under DATA_DIR/pglite.",
      }),
    ),
    DATABASE_PASSWORD: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The password put into DATABASE_URL (which then must carry none): lets the URL sit in the environment and the password in a secret file (DATABASE_PASSWORD_FILE).",
      }),
    ),
    REDIS_URL: Type.Optional(
      Type.String({
        pattern: "^rediss?://",
        description: "Redis URL; unset → a private redis-server child under DATA_DIR/redis.",
      }),
    ),
    MINGFANG_SECRET: Type.Optional(
      Type.String({
        minLength: 32,
        description: "Signing and encryption key (≥32 chars); unset → generated into DATA_DIR/secret.key.",
      }),
    ),
    MINGFANG_ADMIN_PASSWORD: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 200,
        description: "The first admin's password; unset → random, printed once.",
      }),
    ),
    MINGFANG_DEMO_PASSWORD: Type.String({
      default: "mingfang-demo",
      minLength: 8,
      maxLength: 200,
      description: "Password of the demo users (station staff, duty officers, brigade).",
    }),
    SESSION_TTL_HOURS: Type.Number({
      default: 12,
      exclusiveMinimum: 0,
      maximum: 720,
      description: "A session expires this many hours after sign-in.",
    }),
    SESSION_IDLE_MINUTES: Type.Number({
      default: 120,
      exclusiveMinimum: 0,
      maximum: 43200,
      description: "A session expires after this many minutes without a request.",
    }),
    LOGIN_MAX_FAILURES_PER_USER: Type.Integer({
      default: 5,
      minimum: 1,
      description: "Failed sign-ins for one user name within the window before it is locked.",
    }),
    LOGIN_MAX_FAILURES_PER_IP: Type.Integer({
      default: 20,
      minimum: 1,
      description: "Failed sign-ins from one address within the window before it is locked.",
    }),
    LOGIN_WINDOW_MINUTES: Type.Integer({
      default: 15,
      minimum: 1,
      description: "Window (and lock-out duration) for the sign-in limits.",
    }),
    COOKIE_SECURE: Type.Boolean({
      default: false,
      description: "Mark the session cookie Secure (set true behind HTTPS).",
    }),
    CONSOLE_DIR: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The built console (console/dist) the API serves at /; unset → the one in this checkout.",
      }),
    ),
    TRUST_PROXY: Type.Boolean({
      default: false,
      description: "Trust X-Forwarded-For (set true behind a reverse proxy).",
    }),
    CORS_ORIGINS: Type.Optional(
      Type.String({
        pattern: "^https?://[^,\\s/]+(,\\s*https?://[^,\\s/]+)*$",
        description:
          "Origins (comma-separated, e.g. https://a.example.cn) whose pages may call the API from the browser with credentials; unset → no CORS headers at all (same-origin only).",
      }),
    ),
    INTERNAL_PORT: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65535,
        description:
          "A second listener for operators (on INTERNAL_HOST): /metrics and /api/docs are then served there only (404 on PORT); a process without the api role serves /healthz and /readyz there. Unset → /metrics and /api/docs on PORT, no second listener.",
      }),
    ),
    INTERNAL_HOST: Type.String({
      default: "127.0.0.1",
      minLength: 1,
      description: "Address the INTERNAL_PORT listener binds (0.0.0.0 in a container, for the scraper).",
    }),
    MEDIA_TOKEN_TTL_SECONDS: Type.Integer({
      default: 300,
      minimum: 10,
      maximum: 86400,
      description: "Lifetime of the signed tokens on private media URLs (live HLS, snapshots).",
    }),
    CASE_DISPATCH_HOURS: Type.Number({
      default: 2,
      exclusiveMinimum: 0,
      maximum: 720,
      description: "A new case must be dispatched within this many hours (its dispatch deadline).",
    }),
    CASE_ONSITE_HOURS: Type.Number({
      default: 24,
      exclusiveMinimum: 0,
      maximum: 720,
      description: "A dispatched case must be checked in on site within this many hours.",
    }),
    CASE_PHOTO_MAX_MB: Type.Number({
      default: 10,
      exclusiveMinimum: 0,
      maximum: 100,
      description: "Largest photo (JPEG or PNG) that may be attached to a case, in MiB.",
    }),
    OUTBOUND_WEBHOOK_URL: Type.Optional(
      Type.String({
        pattern: "^https?://",
        description: "POST new alerts and case changes here (HMAC-signed); unset → no webhook.",
      }),
    ),
    OUTBOUND_WEBHOOK_SECRET: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          "HMAC-SHA256 key of the webhook signature (≥16 chars); required with OUTBOUND_WEBHOOK_URL.",
      }),
    ),
    OUTBOUND_MQTT_URL: Type.Optional(
      Type.String({
        pattern: "^(mqtts?|wss?)://",
        description: "MQTT broker to publish new alerts and case changes to; unset → no MQTT.",
      }),
    ),
    OUTBOUND_MQTT_TOPIC_PREFIX: Type.String({
      default: "mingfang",
      pattern: "^[^#+]+$",
      description: "Topic root: <prefix>/<station code>/alerts and <prefix>/<station code>/cases.",
    }),
    OUTBOUND_MAX_ATTEMPTS: Type.Integer({
      default: 8,
      minimum: 1,
      maximum: 50,
      description: "Deliveries of one outbound message tried before it is given up (logged).",
    }),
    OUTBOUND_BACKOFF_MS: Type.Integer({
      default: 2000,
      minimum: 10,
      description: "First retry delay of an outbound delivery; doubles on each further attempt.",
    }),
    ALERT_COOLDOWN_MINUTES: Type.Number({
      default: 10,
      minimum: 0,
      maximum: 1440,
      description:
        "A detection of the same camera and type within this many minutes of an open alert is folded into it (repeat count); 0 turns folding off.",
    }),
    ALERT_ACK_MINUTES: Type.String({
      default: "15,60,240",
      pattern: "^\\d+(\\.\\d+)?,\\d+(\\.\\d+)?,\\d+(\\.\\d+)?$",
      description:
        "Minutes an alert of grade 1, 2 and 3 may stay unacknowledged before it is escalated to the bureau (comma-separated).",
    }),
    ALERT_JOB_LOCK_SECONDS: Type.Integer({
      default: 30,
      minimum: 2,
      maximum: 600,
      description:
        "An alert job whose API process died is taken up again by another (or the restarted one) within about twice this.",
    }),
    CAMERA_OFFLINE_MINUTES: Type.Number({
      default: 10,
      exclusiveMinimum: 0,
      maximum: 1440,
      description: "A camera offline for this many working minutes raises a camera_offline alert.",
    }),
    MODEL_EXECUTION_PROVIDER: Type.Union(
      [Type.Literal("cpu"), Type.Literal("cuda"), Type.Literal("tensorrt")],
      {
        default: "cpu",
        description:
          "ONNX Runtime execution provider of the analytics models: cpu, cuda or tensorrt (an NVIDIA GPU; onnxruntime-node's CUDA/TensorRT libraries must be installed, docs/scaling.md). Unavailable → CPU, with one warning in the log.",
      },
    ),
    ANALYSIS_FPS: Type.Number({
      default: 0.5,
      exclusiveMinimum: 0,
      maximum: 10,
      description: "Frames per second per camera sent to analysis (keyframes only when the GOP allows).",
    }),
    HLS_SEGMENT_SECONDS: Type.Integer({
      default: 1,
      minimum: 1,
      maximum: 10,
      description: "HLS segment length; live latency is about three segments.",
    }),
    RECORDING_BUFFER_SECONDS: Type.Integer({
      default: 120,
      minimum: 10,
      maximum: 3600,
      description:
        "How long the ingest keeps a camera's live segments on disk after they leave the playlist: the clips' source, and how long the recorder may be down without losing video.",
    }),
    RECORDING_CHUNK_SECONDS: Type.Integer({
      default: 60,
      minimum: 5,
      maximum: 3600,
      description:
        "Continuous recording: segments are concatenated into one indexed file of about this length.",
    }),
    CLIP_PRE_SECONDS: Type.Integer({
      default: 10,
      minimum: 0,
      maximum: 120,
      description: "An alert's clip starts this long before the alert (a camera may set its own).",
    }),
    CLIP_POST_SECONDS: Type.Integer({
      default: 20,
      minimum: 1,
      maximum: 300,
      description: "An alert's clip ends this long after the alert (a camera may set its own).",
    }),
    RECORDING_DOWNLOAD_MAX_MINUTES: Type.Integer({
      default: 60,
      minimum: 1,
      maximum: 720,
      description: "Longest span of recording that one download (MP4) may cover.",
    }),
    RETENTION_CONTINUOUS_DAYS: Type.Number({
      default: 7,
      exclusiveMinimum: 0,
      maximum: 3650,
      description: "Days to keep continuous recording.",
    }),
    RETENTION_CLIP_DAYS: Type.Number({
      default: 180,
      exclusiveMinimum: 0,
      maximum: 3650,
      description: "Days to keep alerts' clips (never those of open cases or alerts under review).",
    }),
    RETENTION_EVIDENCE_DAYS: Type.Number({
      default: 365,
      exclusiveMinimum: 0,
      maximum: 3650,
      description: "Days to keep alerts' evidence images (never those of open cases or alerts under review).",
    }),
    RETENTION_CASE_PHOTO_DAYS: Type.Number({
      default: 1095,
      exclusiveMinimum: 0,
      maximum: 3650,
      description: "Days to keep the photos of closed cases.",
    }),
    DISK_MIN_FREE_PERCENT: Type.Number({
      default: 10,
      minimum: 0,
      maximum: 90,
      description:
        "Disk watermark of DATA_DIR/media: below this much free space the oldest continuous recording is deleted first.",
    }),
    RETENTION_SWEEP_SECONDS: Type.Integer({
      default: 300,
      minimum: 1,
      maximum: 86400,
      description: "How often retention and the disk watermark are checked.",
    }),
    CAMERA_STALL_SECONDS: Type.Integer({
      default: 10,
      minimum: 2,
      maximum: 300,
      description: "A camera process with no output for this long is restarted (and shown stalled).",
    }),
    INGEST_LEASES: Type.Union([Type.Literal("auto"), Type.Literal("on"), Type.Literal("off")], {
      default: "auto",
      description:
        "Ingest nodes share the cameras through leases in Redis (docs/scaling.md, Ingest nodes): on, off (this node runs every camera), auto → on when REDIS_URL is set, off with the private Redis of a single-process demo.",
    }),
    INGEST_LEASE_TTL_SECONDS: Type.Integer({
      default: 15,
      minimum: 8,
      maximum: 300,
      description:
        "A camera's lease (and an ingest node's heartbeat) lives this long without renewal; a node that cannot renew stops the camera after half of it (at least 8 s: the stop, SIGKILL after 3 s, must end within the other half). A dead node's cameras move after about this long.",
    }),
    INGEST_NODE_ID: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9._:-]{1,100}$",
        description: "This ingest node's id in Redis; unset → <hostname>-<pid>-<random>.",
      }),
    ),
    RTMP_PORT: Type.Integer({
      default: 1935,
      minimum: 0,
      maximum: 65535,
      description:
        "RTMP port of node-media-server (push cameras; low-latency FLV live view); 0 turns RTMP and FLV off.",
    }),
    RTMP_BIND: Type.String({
      default: "127.0.0.1",
      minLength: 1,
      description:
        "Address node-media-server binds (RTMP and its internal FLV port); 0.0.0.0 to accept push cameras.",
    }),
    NMS_HTTP_PORT: Type.Integer({
      default: 8936,
      minimum: 1,
      maximum: 65535,
      description: "node-media-server's HTTP-FLV port; only the API's FLV proxy uses it (signed internally).",
    }),
    SIMULATOR_RTSP_PORT: Type.Integer({
      default: 8554,
      minimum: 1,
      maximum: 65535,
      description:
        "Demo only: the camera simulator's RTSP port on 127.0.0.1 (the seeded cameras point there).",
    }),
    DISCOVERY_INTERFACE: Type.String({
      default: "127.0.0.1",
      pattern: "^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$",
      description:
        "IPv4 address of the interface on which WS-Discovery probes for ONVIF cameras (never another network).",
    }),
    PUBLIC_JSON_PER_MINUTE: Type.Integer({
      default: 120,
      minimum: 1,
      description:
        "Requests per minute one address may make to the public JSON API and pages (/api/public/*, /public, /public/sites/*).",
    }),
    PUBLIC_HLS_PER_MINUTE: Type.Integer({
      default: 600,
      minimum: 1,
      description:
        "Requests per minute one address may make for public live video (/public/hls/*; a player fetches about 2 a second).",
    }),
    PUBLIC_FEEDBACK_PER_SITE_PER_DAY: Type.Integer({
      default: 3,
      minimum: 1,
      description: "Feedback messages one address may leave on one demonstration site per day.",
    }),
    PUBLIC_FEEDBACK_PER_DAY: Type.Integer({
      default: 10,
      minimum: 1,
      description: "Feedback messages one address may leave on all demonstration sites together per day.",
    }),
    PUBLIC_CACHE_SECONDS: Type.Integer({
      default: 30,
      minimum: 0,
      maximum: 3600,
      description: "max-age of the public JSON answers (cache-control: public).",
    }),
    INSTALLED_MODELS_DIR: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Models installed by `mingfang models retrain` (and kept for `mingfang models rollback`); the analytics worker prefers a model here to the committed one in models/; unset → DATA_DIR/models.",
      }),
    ),
    LOG_FORMAT: Type.Union(
      ["auto", "json", "pretty"].map((l) => Type.Literal(l)),
      {
        default: "auto",
        description:
          "Log lines: json (one JSON object a line, for production and log collectors), pretty (coloured, for a terminal), auto (pretty when standard output is a terminal, else json).",
      },
    ),
    LOG_LEVEL: Type.Union(
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
      { default: "info", description: "pino log level." },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

const KEYS = Object.keys(ConfigSchema.properties) as (keyof Config)[];

/**
 * Settings that may be read from a file instead (`<KEY>_FILE=/run/secrets/…`, as Docker and Kubernetes
 * mount secrets): the file's content with its final newline removed. Setting both is an error.
 */
export const FILE_SETTINGS = [
  "MINGFANG_SECRET",
  "MINGFANG_ADMIN_PASSWORD",
  "MINGFANG_DEMO_PASSWORD",
  "DATABASE_URL",
  "DATABASE_PASSWORD",
  "REDIS_URL",
  "OUTBOUND_WEBHOOK_SECRET",
  "OUTBOUND_MQTT_URL",
] as const satisfies readonly (keyof Config)[];

/** The `<KEY>_FILE` settings into `raw`; what is wrong with them into `problems` (never a file's content). */
function readFileSettings(
  env: Record<string, string | undefined>,
  raw: Record<string, unknown>,
  problems: string[],
): void {
  for (const key of FILE_SETTINGS) {
    const file = env[`${key}_FILE`];
    if (file === undefined || file === "") continue;
    if (env[key] !== undefined && env[key] !== "") {
      problems.push(`${key}_FILE: ${key} is set too; give one of them`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(path.resolve(file), "utf8").replace(/(\r?\n)+$/, "");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      problems.push(`${key}_FILE: cannot read ${file} (${code})`);
      continue;
    }
    if (text === "") problems.push(`${key}_FILE: ${file} is empty`);
    else raw[key] = text;
  }
}

/** DATABASE_PASSWORD put into DATABASE_URL; a problem when there is no URL or it carries a password. */
function applyDatabasePassword(converted: Record<string, unknown>, problems: string[]): void {
  const password = converted.DATABASE_PASSWORD;
  if (typeof password !== "string") return;
  const raw = converted.DATABASE_URL;
  if (typeof raw !== "string") {
    problems.push("DATABASE_PASSWORD: DATABASE_URL is unset (the password goes into it)");
    return;
  }
  const url = new URL(raw);
  if (url.password) {
    problems.push("DATABASE_PASSWORD: DATABASE_URL carries a password already; give one of them");
    return;
  }
  url.password = encodeURIComponent(password);
  converted.DATABASE_URL = url.toString();
}

function describe(key: string): string {
  const s = (ConfigSchema.properties as unknown as Record<string, Record<string, unknown>>)[key];
  if (!s) return "";
  const parts: string[] = [];
  if (s.type) parts.push(String(s.type));
  if (s.anyOf) parts.push((s.anyOf as { const: string }[]).map((x) => x.const).join("|"));
  if (s.minimum !== undefined) parts.push(`>= ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`<= ${s.maximum}`);
  if (s.minLength !== undefined) parts.push(`at least ${s.minLength} characters`);
  if (s.pattern) parts.push(`matching ${s.pattern}`);
  return parts.join(", ");
}

/**
 * Build the configuration from `env` (process.env by default). A JSON file named by MINGFANG_CONFIG
 * supplies values the environment does not set. Empty strings count as unset.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  const file = env.MINGFANG_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path.resolve(file), "utf8"));
    } catch (err) {
      throw new ConfigError([`MINGFANG_CONFIG: cannot read JSON file ${file}: ${(err as Error).message}`]);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError([`MINGFANG_CONFIG: ${file} must hold a JSON object`]);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (!(KEYS as string[]).includes(k)) throw new ConfigError([`${k} (in ${file}): unknown key`]);
      raw[k] = v;
    }
  }
  for (const k of KEYS) {
    const v = env[k];
    if (v !== undefined && v !== "") raw[k] = v;
  }
  const problems: string[] = [];
  readFileSettings(env, raw, problems);
  if (problems.length) throw new ConfigError(problems);
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  const converted = Value.Convert(ConfigSchema, withDefaults) as Record<string, unknown>;
  const seen = new Set<string>();
  for (const e of Value.Errors(ConfigSchema, converted)) {
    const key = e.instancePath.replace(/^\//, "").split("/")[0] ?? "";
    if (!key || seen.has(key)) continue;
    seen.add(key);
    const got = converted[key];
    problems.push(
      `${key}: expected ${describe(key)} (${e.message}); got ${JSON.stringify(redactValue(key, got))}`,
    );
  }
  const base = converted.PUBLIC_BASE_URL;
  if (typeof base === "string" && !seen.has("PUBLIC_BASE_URL")) {
    const problem = publicBaseUrlProblem(base);
    if (problem) problems.push(`PUBLIC_BASE_URL: ${problem}; got ${JSON.stringify(base)}`);
  }
  if (!seen.has("DATABASE_URL")) applyDatabasePassword(converted, problems);
  if (problems.length) throw new ConfigError(problems);
  return converted as Config;
}

/** Why a public base URL cannot be printed on a poster, or undefined when it can. */
function publicBaseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "expected an absolute http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "expected an http or https URL";
  if (url.username || url.password) return "must not carry a user name or password";
  if (url.search || url.hash || value.includes("?") || value.includes("#"))
    return "must not have a query or a fragment";
  return undefined;
}

/**
 * The public pages' base address without a trailing slash: PUBLIC_BASE_URL; unset, the origin the console
 * was opened at (`requestOrigin`, when it is a plain http(s)://host[:port]: on a demo, phones on the same
 * network reach the address the bureau's browser used); else one derived from HOST and PORT (0.0.0.0 / ::
 * → 127.0.0.1, an IPv6 host in brackets).
 */
export function publicBaseUrl(
  config: Pick<Config, "PUBLIC_BASE_URL" | "HOST" | "PORT">,
  requestOrigin?: string,
): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL.replace(/\/+$/, "");
  if (requestOrigin && /^https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(requestOrigin)) {
    return requestOrigin;
  }
  const wildcard = config.HOST === "0.0.0.0" || config.HOST === "::";
  const host = wildcard ? "127.0.0.1" : config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${config.PORT}`;
}

function redactValue(key: string, v: unknown): unknown {
  if (/SECRET|PASSWORD/.test(key)) return "***";
  if (/URL/.test(key) && typeof v === "string") return v.replace(/\/\/[^@/]*@/, "//***@");
  return v;
}

/** Table rows for the README: key, default, description. */
export function configReference(): { key: string; default: string; description: string }[] {
  return KEYS.map((k) => {
    const s = (
      ConfigSchema.properties as unknown as Record<string, { default?: unknown; description?: string }>
    )[k]!;
    return {
      key: k,
      default: s.default === undefined ? "" : String(s.default),
      description: s.description ?? "",
    };
  });
}

export function resolveDataDir(config: Config): string {
  return path.resolve(config.DATA_DIR);
}

/** Where `mingfang models retrain` installs models and the analytics worker looks first. */
export function resolveInstalledModelsDir(config: Config): string {
  return path.resolve(config.INSTALLED_MODELS_DIR ?? path.join(config.DATA_DIR, "models"));
}
