/** An API error as a readable message in the user's language, from its stable code. */
import { ApiError } from "@/api/http";
import { i18n, t } from "@/i18n";

export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError))
    return t("errors.generic", { message: String((err as Error)?.message ?? err) });
  if (err.status === 0) return t("errors.network");
  const key = `errors.${err.code}`;
  if (err.code === "too_many_attempts")
    return t(key, { minutes: Math.max(1, Math.ceil((err.retryAfter ?? 60) / 60)) });
  const named = { field: err.field ?? "", message: err.message, requestId: err.requestId ?? "-" };
  if (i18n.global.te(key)) return t(key, named);
  if (err.status >= 500) return t("errors.unavailable");
  if (err.status === 404) return t("errors.not_found");
  if (err.status === 403) return t("errors.forbidden");
  if (err.status === 409) return t("errors.conflict");
  return t("errors.bad_request", { message: err.message });
}
