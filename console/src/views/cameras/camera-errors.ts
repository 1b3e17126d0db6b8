/** API errors of camera management (ONVIF probe, RTMP) in the user's language; the rest as everywhere. */
import { ApiError } from "@/api/http";
import { i18n, t } from "@/i18n";
import { errorMessage } from "@/utils/errors";

export function cameraError(err: unknown): string {
  if (err instanceof ApiError) {
    const key = `cameras.errors.${err.code}`;
    if (i18n.global.te(key)) return t(key, { message: err.message });
  }
  return errorMessage(err);
}
