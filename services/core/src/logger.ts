/**
 * pino logging. Camera credentials never reach a log line: known secret-bearing fields are redacted by
 * path, and every string that looks like a URL with user info has the user info masked by a formatter.
 *
 * Two formats (LOG_FORMAT): `json`, one JSON object a line (production, log collectors), and `pretty`,
 * coloured lines for a person at a terminal (the demo), by pino-pretty in this thread (no worker): pino
 * redacts and masks before the line reaches the prettifier, so both formats carry the same redactions.
 * `auto` is pretty when standard output is a terminal and NODE_ENV is not production, else json.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

/** `token=`, `key=` and `sig=` query values masked (signed media URLs in log lines). Pure. */
export function maskQuerySecrets(url: string): string {
  return url.replace(/([?&](?:token|key|sig)=)[^&#]*/gi, "$1***");
}

export const REDACT_PATHS = [
  "password",
  "*.password",
  "*.*.password",
  "newPassword",
  "*.newPassword",
  "sourceUrl",
  "*.sourceUrl",
  "*.*.sourceUrl",
  "onvifPassword",
  "*.onvifPassword",
  "*.*.onvifPassword",
  "source_url_enc",
  "*.source_url_enc",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "secret",
  "*.secret",
];

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/** Mask `scheme://user:pass@` in any string. */
export function maskUserInfo(s: string): string {
  return s.replace(USERINFO, "$1***@");
}

export type LogFormat = "auto" | "json" | "pretty";

/** The format `auto` stands for here: pretty on a terminal outside production, else json. */
export function resolveLogFormat(
  format: LogFormat | undefined,
  isTTY: boolean = process.stdout.isTTY === true,
  nodeEnv: string | undefined = process.env.NODE_ENV,
): "json" | "pretty" {
  if (format === "json" || format === "pretty") return format;
  return isTTY && nodeEnv !== "production" ? "pretty" : "json";
}

/** A pino-pretty stream writing to `destination` (default: standard output), synchronously. */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  return pretty({
    colorize: destination ? false : process.stdout.isTTY === true,
    sync: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    destination: destination ?? 1,
  });
}

/**
 * A logger. `format`: LOG_FORMAT (default json, the safe choice for a process whose output is collected);
 * `destination`: where the lines go (default standard output).
 */
export function createLogger(
  opts: { level?: string; name?: string; format?: LogFormat } = {},
  destination?: DestinationStream,
): Logger {
  const out = resolveLogFormat(opts.format ?? "json") === "pretty" ? prettyStream(destination) : destination;
  return pino(
    {
      level: opts.level ?? "info",
      name: opts.name ?? "mingfang",
      redact: { paths: REDACT_PATHS, censor: "***" },
      hooks: {
        // Masks credentials in the message itself and in string arguments (e.g. an ffmpeg error line).
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const a = args[i];
            if (typeof a === "string") args[i] = maskUserInfo(a);
          }
          method.apply(this, args as Parameters<typeof method>);
        },
      },
      serializers: {
        // A request as fastify logs it, with the signed tokens and keys of media URLs masked: they are
        // capabilities (anyone holding one may fetch the video until it expires).
        req: (req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string }) => ({
          method: req?.method,
          url: maskQuerySecrets(String(req?.url ?? "")),
          host: req?.host ?? req?.hostname,
          remoteAddress: req?.ip,
        }),
        err: (err: Error) => ({
          type: err?.name,
          message: maskUserInfo(String(err?.message ?? err)),
          stack: err?.stack ? maskUserInfo(err.stack) : undefined,
          code: (err as { code?: string })?.code,
        }),
      },
    },
    out,
  );
}
