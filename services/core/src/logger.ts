/**
 * pino logging. Camera credentials never reach a log line: known secret-bearing fields are redacted by
 * path, and every string that looks like a URL with user info has the user info masked by a formatter.
 */
import { type DestinationStream, type Logger, pino } from "pino";

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

export function createLogger(
  opts: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
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
    destination,
  );
}
