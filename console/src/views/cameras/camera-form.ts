/**
 * The camera form's logic, pure: stream URLs split into address and credentials (credentials are
 * write-only: the API shows `rtsp://***@host/path` and never the password), put together again for the
 * API, and the create / update bodies with what may and may not be left empty.
 */
import type { RecordingPolicy } from "@contracts/recordings";
import type { CameraCreateBody, CameraUpdateBody, CameraView } from "@/api/types";

export type CameraSource = "rtsp" | "onvif" | "push";

/** The recording policies in the order the form offers them (docs/recordings.md). */
export const RECORDING_POLICY_OPTIONS = [
  "off",
  "events",
  "working_hours",
  "continuous",
] as const satisfies readonly RecordingPolicy[];

export interface CameraForm {
  source: CameraSource;
  workshopId: number | null;
  name: string;
  area: string;
  /** Stream address without credentials (rtsp://host:port/path). */
  mainUrl: string;
  subUrl: string;
  username: string;
  /** Empty on edit: unchanged. */
  password: string;
  onvifUrl: string;
  onvifUsername: string;
  onvifPassword: string;
  detectProfile: string;
  recordProfile: string;
  analyse: boolean;
  public: boolean;
  enabled: boolean;
  recordingPolicy: RecordingPolicy;
  /** Seconds of an alert's clip before / after it; null: the platform's default. */
  clipPreSeconds: number | null;
  clipPostSeconds: number | null;
}

export function emptyForm(source: CameraSource, workshopId: number | null = null): CameraForm {
  return {
    source,
    workshopId,
    name: "",
    area: "",
    mainUrl: "",
    subUrl: "",
    username: "",
    password: "",
    onvifUrl: "",
    onvifUsername: "",
    onvifPassword: "",
    detectProfile: "",
    recordProfile: "",
    analyse: true,
    public: false,
    enabled: true,
    recordingPolicy: "events",
    clipPreSeconds: null,
    clipPostSeconds: null,
  };
}

const SCHEME = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?(.*)$/i;

/** `rtsp://***@host/p` or `rtsp://u:p@host/p` → the address without user info, and whether it had any. */
export function splitUrl(url: string | null): { address: string; hadCredentials: boolean } {
  if (!url) return { address: "", hadCredentials: false };
  const m = SCHEME.exec(url.trim());
  if (!m) return { address: url.trim(), hadCredentials: false };
  return { address: `${m[1]}${m[3]}`, hadCredentials: m[2] !== undefined };
}

/** Puts credentials into an address (percent-encoded); without a user name the address is returned bare. */
export function composeUrl(address: string, username: string, password: string): string {
  const { address: bare } = splitUrl(address);
  const m = SCHEME.exec(bare);
  if (!m || !username) return bare;
  const auth = encodeURIComponent(username) + (password ? `:${encodeURIComponent(password)}` : "");
  return `${m[1]}${auth}@${m[3]}`;
}

/** A stream address the API will take: rtsp, rtsps or rtmp, a host, printable ASCII, no masked part. */
export function urlProblem(address: string): "required" | "scheme" | "masked" | "invalid" | null {
  const a = address.trim();
  if (!a) return "required";
  if (!/^(rtsp|rtsps|rtmp):\/\//i.test(a)) return "scheme";
  if (a.includes("***")) return "masked";
  if (!/^[a-z]+:\/\/[!#-;=?-[\]_a-z~]+$/i.test(a) || !/^[a-z]+:\/\/[^/:?#]+/i.test(a)) return "invalid";
  return null;
}

export function formFromCamera(c: CameraView): CameraForm {
  const main = splitUrl(c.sourceUrl);
  const source: CameraSource = c.sourceUrl?.startsWith("rtmp://127.0.0.1")
    ? "push"
    : c.onvifUrl
      ? "onvif"
      : "rtsp";
  return {
    ...emptyForm(source, c.workshopId),
    name: c.name,
    area: c.area,
    mainUrl: main.address,
    subUrl: splitUrl(c.subUrl).address,
    onvifUrl: c.onvifUrl ?? "",
    onvifUsername: c.onvifUsername ?? "",
    detectProfile: c.detectProfile ?? "",
    recordProfile: c.recordProfile ?? "",
    analyse: c.analyse,
    public: c.public,
    enabled: c.enabled,
    recordingPolicy: c.recordingPolicy,
    clipPreSeconds: c.clipPreSeconds,
    clipPostSeconds: c.clipPostSeconds,
  };
}

export type FormProblem = { field: keyof CameraForm; problem: string };

function streamBody(f: CameraForm): Pick<CameraCreateBody, "sourceUrl" | "subUrl"> {
  return {
    sourceUrl: composeUrl(f.mainUrl.trim(), f.username.trim(), f.password),
    ...(f.subUrl.trim() ? { subUrl: composeUrl(f.subUrl.trim(), f.username.trim(), f.password) } : {}),
  };
}

const whole = (v: number | null, min: number, max: number) =>
  v === null || (Number.isInteger(v) && v >= min && v <= max);

function commonProblems(f: CameraForm): FormProblem[] {
  const out: FormProblem[] = [];
  if (!f.name.trim()) out.push({ field: "name", problem: "required" });
  if (!f.area.trim()) out.push({ field: "area", problem: "required" });
  if (!whole(f.clipPreSeconds, 0, 120)) out.push({ field: "clipPreSeconds", problem: "range" });
  if (!whole(f.clipPostSeconds, 1, 300)) out.push({ field: "clipPostSeconds", problem: "range" });
  return out;
}

function streamProblems(f: CameraForm): FormProblem[] {
  const out: FormProblem[] = [];
  const main = urlProblem(f.mainUrl);
  if (main) out.push({ field: "mainUrl", problem: main });
  const sub = f.subUrl.trim() ? urlProblem(f.subUrl) : null;
  if (sub) out.push({ field: "subUrl", problem: sub });
  return out;
}

/** The body of `POST /api/cameras`, or what is missing. */
export function createBody(f: CameraForm): CameraCreateBody | FormProblem[] {
  const problems = commonProblems(f);
  if (f.workshopId === null) problems.push({ field: "workshopId", problem: "required" });
  if (f.source !== "push") problems.push(...streamProblems(f));
  if (f.source === "onvif" && !f.onvifUrl.trim()) problems.push({ field: "onvifUrl", problem: "required" });
  if (problems.length) return problems;
  const base = {
    workshopId: f.workshopId as number,
    name: f.name.trim(),
    area: f.area.trim(),
    analyse: f.analyse,
    public: f.public,
    enabled: f.enabled,
    recordingPolicy: f.recordingPolicy,
    ...(f.clipPreSeconds !== null ? { clipPreSeconds: f.clipPreSeconds } : {}),
    ...(f.clipPostSeconds !== null ? { clipPostSeconds: f.clipPostSeconds } : {}),
  };
  if (f.source === "push") return { ...base, push: true };
  const body: CameraCreateBody = { ...base, ...streamBody(f) };
  if (f.source === "onvif") {
    body.onvifUrl = f.onvifUrl.trim();
    if (f.onvifUsername.trim()) body.onvifUsername = f.onvifUsername.trim();
    if (f.onvifPassword) body.onvifPassword = f.onvifPassword;
    if (f.detectProfile) body.detectProfile = f.detectProfile;
    if (f.recordProfile) body.recordProfile = f.recordProfile;
  }
  return body;
}

/**
 * The body of `PATCH /api/cameras/:id`: only what changed. The stream URLs carry the credentials, so a
 * changed address or user name of a camera that had credentials needs the password again (the stored one
 * is never shown); an empty password with nothing else changed leaves the URLs alone.
 */
export function updateBody(f: CameraForm, c: CameraView): CameraUpdateBody | FormProblem[] {
  const before = formFromCamera(c);
  const problems = commonProblems(f);
  const body: CameraUpdateBody = {};
  if (f.name.trim() !== c.name) body.name = f.name.trim();
  if (f.area.trim() !== c.area) body.area = f.area.trim();
  for (const k of ["analyse", "public", "enabled"] as const) if (f[k] !== c[k]) body[k] = f[k];
  if (f.recordingPolicy !== c.recordingPolicy) body.recordingPolicy = f.recordingPolicy;
  if (f.clipPreSeconds !== c.clipPreSeconds) body.clipPreSeconds = f.clipPreSeconds;
  if (f.clipPostSeconds !== c.clipPostSeconds) body.clipPostSeconds = f.clipPostSeconds;
  if (f.source !== "push") {
    const streamChanged =
      f.mainUrl.trim() !== before.mainUrl || f.subUrl.trim() !== before.subUrl || f.username.trim() !== "";
    if (streamChanged || f.password) {
      problems.push(...streamProblems(f));
      const hadCredentials = splitUrl(c.sourceUrl).hadCredentials;
      if (hadCredentials && !f.password) problems.push({ field: "password", problem: "again" });
      if (f.password && !f.username.trim()) problems.push({ field: "username", problem: "required" });
      const s = streamBody(f);
      body.sourceUrl = s.sourceUrl;
      body.subUrl = s.subUrl ?? null;
    }
  }
  if (f.source === "onvif") {
    if (f.onvifUrl.trim() !== (c.onvifUrl ?? "")) body.onvifUrl = f.onvifUrl.trim();
    if (f.onvifUsername.trim() && f.onvifUsername.trim() !== (c.onvifUsername ?? ""))
      body.onvifUsername = f.onvifUsername.trim();
    if (f.onvifPassword) body.onvifPassword = f.onvifPassword;
    if (f.detectProfile && f.detectProfile !== (c.detectProfile ?? "")) body.detectProfile = f.detectProfile;
    if (f.recordProfile && f.recordProfile !== (c.recordProfile ?? "")) body.recordProfile = f.recordProfile;
  }
  return problems.length ? problems : body;
}

export const isProblems = (v: unknown): v is FormProblem[] => Array.isArray(v);
