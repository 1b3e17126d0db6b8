/**
 * Typed errors mapped to HTTP in one place. A 4xx carries a stable code and a clear message (and the
 * field, for validation); a 5xx carries only a generic message and the request id, and is logged.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const notFound = (what: string) => new HttpError(404, "not_found", `${what} not found`);
export const forbidden = (msg = "You are not allowed to do this") => new HttpError(403, "forbidden", msg);
export const unauthorized = (msg = "Sign in first") => new HttpError(401, "unauthorized", msg);
export const badRequest = (field: string, msg: string) => new HttpError(400, "validation_failed", msg, field);
export const conflict = (msg: string, field?: string) => new HttpError(409, "conflict", msg, field);

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `body/name` style path of the first validation problem, and a sentence naming it. */
export function describeValidation(errors: AjvError[], context: string): { field: string; message: string } {
  // Prefer the most specific error: unknown or missing properties first, then the deepest path.
  const sorted = [...errors].sort((a, b) => score(b) - score(a));
  const e = sorted[0] ?? {};
  let field = (e.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".");
  let message: string;
  if (e.keyword === "additionalProperties") {
    const extra = String(e.params?.additionalProperty ?? "");
    field = field ? `${field}.${extra}` : extra;
    message = `unknown field '${field}'`;
  } else if (e.keyword === "required") {
    const missing = String(e.params?.missingProperty ?? "");
    field = field ? `${field}.${missing}` : missing;
    message = `'${field}' is required`;
  } else {
    message = `'${field || context}' ${e.message ?? "is invalid"}`;
  }
  return { field: field || context, message: `${context}: ${message}` };
}

function score(e: AjvError): number {
  if (e.keyword === "additionalProperties" || e.keyword === "required") return 1000;
  if (e.keyword === "anyOf" || e.keyword === "oneOf") return -1;
  return (e.instancePath ?? "").split("/").length;
}

const PG_UNIQUE = "23505";
const PG_FK = "23503";

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(
    (err: FastifyError & { validationContext?: string }, req: FastifyRequest, reply: FastifyReply) => {
      if (err instanceof HttpError) {
        return reply.status(err.statusCode).send({
          error: err.code,
          message: err.message,
          ...(err.field ? { field: err.field } : {}),
        });
      }
      if (err.validation) {
        const { field, message } = describeValidation(
          err.validation as AjvError[],
          err.validationContext ?? "request",
        );
        return reply.status(400).send({ error: "validation_failed", message, field });
      }
      const pgCode = (err as { code?: string }).code;
      if (pgCode === PG_UNIQUE) {
        const detail = (err as { constraint?: string }).constraint ?? "";
        return reply.status(409).send({
          error: "conflict",
          message: `already exists (${detail.replace(/_key$/, "") || "unique value"})`,
        });
      }
      if (pgCode === PG_FK) {
        return reply.status(409).send({
          error: "conflict",
          message: "still referenced by other records, or refers to a missing record",
        });
      }
      const status = err.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const code =
          status === 413
            ? "payload_too_large"
            : status === 415
              ? "unsupported_media_type"
              : err.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
                  err.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
                  err instanceof SyntaxError
                ? "invalid_json"
                : status === 429
                  ? "too_many_requests"
                  : "bad_request";
        return reply.status(status).send({ error: code, message: err.message.replace(/^FST_\w+: /, "") });
      }
      req.log.error({ err, reqId: req.id }, "request failed");
      return reply
        .status(500)
        .send({ error: "internal", message: "Internal server error", requestId: String(req.id) });
    },
  );

  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ error: "not_found", message: `no route ${req.method} ${req.url.split("?")[0]}` });
  });
}
