/**
 * Adds a camera by its ONVIF address and credentials: device information, media profiles (the largest for
 * live view, the smallest for analysis), stream and snapshot URIs. Wraps the `onvif` package (promise API,
 * `onvif/promises/index.js`) and turns its failures into typed errors with a clear message.
 *
 * The package's `connect()` is not used: it throws from inside callbacks on some answers (no profiles →
 * "Unrecognized configuration", uncaught) — the steps are called one by one instead.
 */
import { createRequire } from "node:module";

export type OnvifErrorCode =
  | "bad_address"
  | "unreachable"
  | "wrong_credentials"
  | "soap_fault"
  | "no_profiles"
  | "not_onvif";

const MESSAGES: Record<OnvifErrorCode, string> = {
  bad_address: "The ONVIF address is not a valid http(s) URL",
  unreachable: "The camera cannot be reached at this ONVIF address",
  wrong_credentials: "The camera refused the user name or password",
  soap_fault: "The camera answered with an ONVIF error",
  no_profiles: "The camera has no media profile to stream from",
  not_onvif: "The address answers, but not as an ONVIF device",
};

export class OnvifError extends Error {
  override name = "OnvifError";
  constructor(
    readonly code: OnvifErrorCode,
    /** Technical detail (never contains the credentials). */
    readonly detail?: string,
  ) {
    super(detail ? `${MESSAGES[code]}: ${detail}` : MESSAGES[code]);
  }
}

export interface OnvifProbeInput {
  /** Device service URL, e.g. `http://192.0.2.10/onvif/device_service` (a bare host gets that path). */
  onvifUrl: string;
  username: string;
  password: string;
  /** Per request. Default 5000 ms. */
  timeoutMs?: number;
}

export interface OnvifDeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export interface OnvifProfile {
  token: string;
  name: string;
  encoding: string;
  width: number;
  height: number;
  fps: number | undefined;
  bitrateKbps: number | undefined;
  /** As the camera gives it (usually without credentials). */
  streamUri: string;
  snapshotUri: string | undefined;
}

export interface OnvifProbeResult {
  device: OnvifDeviceInfo;
  profiles: OnvifProfile[];
  /** Largest resolution: live view. */
  mainProfile: OnvifProfile;
  /** Smallest resolution: analysis (the same as main when there is only one). */
  subProfile: OnvifProfile;
}

// The `onvif` package is CommonJS without ESM exports; its promise API is `onvif/promises/index.js`.
interface CamPromise {
  getSystemDateAndTime(): Promise<Date>;
  getServices(includeCapability: boolean): Promise<unknown>;
  getCapabilities(): Promise<unknown>;
  getDeviceInformation(): Promise<Record<string, unknown>>;
  getProfiles(): Promise<RawProfile[] | undefined>;
  getStreamUri(opts: { protocol: string; profileToken: string }): Promise<{ uri?: unknown } | undefined>;
  getSnapshotUri(opts: { profileToken: string }): Promise<{ uri?: unknown } | undefined>;
  uri?: { media?: unknown };
}
interface RawProfile {
  $?: { token?: string };
  name?: unknown;
  videoEncoderConfiguration?: {
    encoding?: unknown;
    resolution?: { width?: unknown; height?: unknown };
    rateControl?: { frameRateLimit?: unknown; bitrateLimit?: unknown };
  };
}
const require = createRequire(import.meta.url);
const { Cam } = require("onvif/promises/index.js") as {
  Cam: new (opts: Record<string, unknown>) => CamPromise;
};

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "ECONNABORTED",
]);

/** Maps whatever the `onvif` package rejected with to a typed error. Pure; exported for tests. */
export function classifyOnvifFailure(err: unknown): OnvifError {
  if (err instanceof OnvifError) return err;
  const e = err as { code?: string; message?: string } | undefined;
  const message = String(e?.message ?? err ?? "");
  if ((e?.code && NETWORK_CODES.has(e.code)) || /network timeout|socket hang up/i.test(message)) {
    return new OnvifError("unreachable", e?.code ?? message);
  }
  if (/not ?authori[sz]ed|unauthori[sz]ed|authentication failed|401/i.test(message)) {
    return new OnvifError("wrong_credentials");
  }
  if (message.startsWith("ONVIF SOAP Fault")) {
    return new OnvifError("soap_fault", message.replace(/^ONVIF SOAP Fault:\s*/, "").slice(0, 300));
  }
  return new OnvifError("not_onvif", message.slice(0, 300));
}

export function parseOnvifAddress(onvifUrl: string): {
  hostname: string;
  port: number;
  path: string;
  secure: boolean;
} {
  let u: URL;
  try {
    u = new URL(onvifUrl);
  } catch {
    throw new OnvifError("bad_address");
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || !u.hostname || u.username || u.password) {
    throw new OnvifError(
      "bad_address",
      u.username || u.password ? "put the credentials in their own fields" : undefined,
    );
  }
  const secure = u.protocol === "https:";
  return {
    hostname: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 443 : 80,
    path: u.pathname && u.pathname !== "/" ? u.pathname + u.search : "/onvif/device_service",
    secure,
  };
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Picks the live-view and analysis profiles: largest and smallest resolution (ties: the first). */
export function chooseProfiles<P extends { width: number; height: number }>(
  profiles: P[],
): { main: P; sub: P } | undefined {
  if (profiles.length === 0) return undefined;
  const area = (p: P) => p.width * p.height;
  let main = profiles[0] as P;
  let sub = profiles[0] as P;
  for (const p of profiles) {
    if (area(p) > area(main)) main = p;
    if (area(p) < area(sub)) sub = p;
  }
  return { main, sub };
}

export async function probeOnvifCamera(input: OnvifProbeInput): Promise<OnvifProbeResult> {
  const addr = parseOnvifAddress(input.onvifUrl);
  const cam = new Cam({
    hostname: addr.hostname,
    port: addr.port,
    path: addr.path,
    useSecure: addr.secure,
    username: input.username,
    password: input.password,
    timeout: input.timeoutMs ?? 5000,
  });
  const step = async <T>(what: Promise<T>): Promise<T> => {
    try {
      return await what;
    } catch (err) {
      throw classifyOnvifFailure(err);
    }
  };

  await step(cam.getSystemDateAndTime());
  try {
    await cam.getServices(true);
  } catch {
    // Older devices have no GetServices: GetCapabilities gives the service addresses.
    await step(cam.getCapabilities());
  }
  const info = await step(cam.getDeviceInformation());
  if (!cam.uri?.media) throw new OnvifError("no_profiles", "the device has no media service");

  let raw: RawProfile[];
  try {
    raw = (await cam.getProfiles()) ?? [];
  } catch (err) {
    // onvif 0.8.3 throws a TypeError while reading an empty GetProfilesResponse.
    if (err instanceof TypeError) raw = [];
    else throw classifyOnvifFailure(err);
  }
  const video = raw.filter((p) => p.$?.token && p.videoEncoderConfiguration);
  if (video.length === 0) throw new OnvifError("no_profiles");

  const profiles: OnvifProfile[] = [];
  for (const p of video) {
    const token = str(p.$?.token);
    const vec = p.videoEncoderConfiguration;
    const stream = await step(cam.getStreamUri({ protocol: "RTSP", profileToken: token }));
    const streamUri = str(stream?.uri);
    if (!streamUri) throw new OnvifError("soap_fault", `no stream URI for profile ${token}`);
    let snapshotUri: string | undefined;
    try {
      snapshotUri = str((await cam.getSnapshotUri({ profileToken: token }))?.uri) || undefined;
    } catch {
      snapshotUri = undefined; // optional in Profile S
    }
    profiles.push({
      token,
      name: str(p.name) || token,
      encoding: str(vec?.encoding),
      width: num(vec?.resolution?.width) ?? 0,
      height: num(vec?.resolution?.height) ?? 0,
      fps: num(vec?.rateControl?.frameRateLimit),
      bitrateKbps: num(vec?.rateControl?.bitrateLimit),
      streamUri,
      snapshotUri,
    });
  }
  const chosen = chooseProfiles(profiles);
  if (!chosen) throw new OnvifError("no_profiles");
  return {
    device: {
      manufacturer: str(info.manufacturer),
      model: str(info.model),
      firmwareVersion: str(info.firmwareVersion),
      serialNumber: str(info.serialNumber),
      hardwareId: str(info.hardwareId),
    },
    profiles,
    mainProfile: chosen.main,
    subProfile: chosen.sub,
  };
}

/** The stream URI with the camera's credentials in it (for the ingest; never for a response or a log). */
export function withCredentials(uri: string, username: string, password: string): string {
  const u = new URL(uri);
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(password);
  return u.toString();
}
