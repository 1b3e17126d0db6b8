/**
 * A camera as the ingest needs it, kept by the API in the Redis hash REDIS_KEYS.cameraSpecs (field = camera
 * id) and announced on REDIS_KEYS.cameraConfigChannel when it changes. The URLs are the sealed ciphertexts
 * as the database stores them (AES-256-GCM under the credentials key): only the ingest opens them, so no
 * credential crosses Redis in clear and the ingest needs no database.
 */
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";

export const CameraSpecRecord = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    enabled: Type.Boolean(),
    /** Sealed main stream URL; null: no source yet (nothing to ingest). */
    sourceUrlEnc: Type.Union([Type.String(), Type.Null()]),
    /** Sealed sub-stream URL for analysis; null: the main stream is analysed. */
    subUrlEnc: Type.Union([Type.String(), Type.Null()]),
    analyse: Type.Boolean(),
    /**
     * Privacy masks the ingest blurs into a separate public output (normalised [x, y] polygons). Present
     * only for a public, enabled camera of a demonstration site with masks; absent: no public transcode.
     */
    privacyMasks: Type.Optional(
      Type.Array(
        Type.Array(
          Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]),
          {
            minItems: 3,
            maxItems: 64,
          },
        ),
        { minItems: 1, maxItems: 16 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CameraSpecRecord = Static<typeof CameraSpecRecord>;

/** The record in a hash value, or undefined when it is not one (a foreign or corrupt value counts as none). */
export function parseCameraSpecRecord(raw: string | null | undefined): CameraSpecRecord | undefined {
  if (!raw) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return Value.Check(CameraSpecRecord, v) ? v : undefined;
  } catch {
    return undefined;
  }
}
