/**
 * The ONVIF device side of the simulator as pure functions: read a SOAP request (its operation and its
 * WS-UsernameToken), check the token, and write the responses of a Profile S camera. No I/O here;
 * `onvif-device.ts` serves them over HTTP.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const NS = {
  soap: "http://www.w3.org/2003/05/soap-envelope",
  tds: "http://www.onvif.org/ver10/device/wsdl",
  trt: "http://www.onvif.org/ver10/media/wsdl",
  tt: "http://www.onvif.org/ver10/schema",
  ter: "http://www.onvif.org/ver10/error",
} as const;

/** Operations ONVIF allows before authentication (Core spec, "pre-auth" access class). */
export const PRE_AUTH_OPERATIONS = new Set([
  "GetSystemDateAndTime",
  "GetServices",
  "GetServiceCapabilities",
  "GetWsdlUrl",
]);

export interface UsernameToken {
  username: string;
  password: string;
  /** True for PasswordDigest, false for PasswordText. */
  digest: boolean;
  nonce?: string;
  created?: string;
}

export interface SoapRequest {
  /** Local name of the Body's first element, e.g. "GetProfiles"; undefined when there is none. */
  operation?: string;
  token?: UsernameToken;
  /** Text of `<ProfileToken>` when present. */
  profileToken?: string;
}

const decodeXml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

export const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Text of the first element with this local name (any prefix), or undefined. */
function elementText(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${local}>`).exec(xml);
  return m?.[1] === undefined ? undefined : decodeXml(m[1].trim());
}

function elementAttrs(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${local}(\\s[^>]*)?>`).exec(xml);
  return m?.[1];
}

export function parseSoapRequest(xml: string): SoapRequest {
  const body = /<(?:[\w.-]+:)?Body(?:\s[^>]*)?>([\s\S]*)<\/(?:[\w.-]+:)?Body>/.exec(xml)?.[1] ?? "";
  const operation = /^\s*<(?:[\w.-]+:)?([A-Za-z]\w*)/.exec(body)?.[1];
  const req: SoapRequest = {};
  if (operation) req.operation = operation;
  const profileToken = elementText(body, "ProfileToken");
  if (profileToken !== undefined) req.profileToken = profileToken;
  const header = /<(?:[\w.-]+:)?Header(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?Header>/.exec(xml)?.[1];
  if (header) {
    const username = elementText(header, "Username");
    const password = elementText(header, "Password");
    if (username !== undefined && password !== undefined) {
      const type = /Type\s*=\s*"([^"]*)"/.exec(elementAttrs(header, "Password") ?? "")?.[1] ?? "";
      const token: UsernameToken = { username, password, digest: type.endsWith("#PasswordDigest") };
      const nonce = elementText(header, "Nonce");
      const created = elementText(header, "Created");
      if (nonce !== undefined) token.nonce = nonce;
      if (created !== undefined) token.created = created;
      req.token = token;
    }
  }
  return req;
}

/** PasswordDigest = Base64(SHA-1(nonce bytes + Created + password)) (WS-Security UsernameToken profile). */
export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash("sha1")
    .update(
      Buffer.concat([
        Buffer.from(nonceBase64, "base64"),
        Buffer.from(created, "utf8"),
        Buffer.from(password, "utf8"),
      ]),
    )
    .digest("base64");
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * True when the token matches the credentials. A digest must carry a nonce and a Created time within
 * `maxSkewMs` of `now` (clients derive Created from the device's clock, read with GetSystemDateAndTime).
 */
export function checkUsernameToken(
  token: UsernameToken | undefined,
  creds: { username: string; password: string },
  now: Date = new Date(),
  maxSkewMs = 10 * 60_000,
): boolean {
  if (!token || !sameText(token.username, creds.username)) return false;
  if (!token.digest) return sameText(token.password, creds.password);
  if (!token.nonce || !token.created) return false;
  const created = Date.parse(token.created);
  if (Number.isNaN(created) || Math.abs(now.getTime() - created) > maxSkewMs) return false;
  return sameText(token.password, passwordDigest(token.nonce, token.created, creds.password));
}

export function envelope(body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.soap}" xmlns:tds="${NS.tds}" xmlns:trt="${NS.trt}" xmlns:tt="${NS.tt}" xmlns:ter="${NS.ter}">` +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

export function soapFault(code: "Sender" | "Receiver", subcode: string, reason: string): string {
  return envelope(
    `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${escapeXml(reason)}</s:Text></s:Reason></s:Fault>`,
  );
}

export interface DeviceStream {
  token: "main" | "sub";
  width: number;
  height: number;
  fps: number;
  kbps: number;
  /** RTSP URL without credentials (as cameras answer GetStreamUri). */
  rtspUrl: string;
}

export interface DeviceDescription {
  deviceServiceUrl: string;
  mediaServiceUrl: string;
  snapshotUrl: string;
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
  streams: DeviceStream[];
}

const tag = (name: string, value: string | number) =>
  `<${name}>${typeof value === "string" ? escapeXml(value) : value}</${name}>`;

export function systemDateAndTimeResponse(now: Date): string {
  return envelope(
    "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>" +
      "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>" +
      "<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone>" +
      "<tt:UTCDateTime><tt:Time>" +
      tag("tt:Hour", now.getUTCHours()) +
      tag("tt:Minute", now.getUTCMinutes()) +
      tag("tt:Second", now.getUTCSeconds()) +
      "</tt:Time><tt:Date>" +
      tag("tt:Year", now.getUTCFullYear()) +
      tag("tt:Month", now.getUTCMonth() + 1) +
      tag("tt:Day", now.getUTCDate()) +
      "</tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>",
  );
}

export function servicesResponse(d: DeviceDescription): string {
  const service = (ns: string, xaddr: string) =>
    `<tds:Service>${tag("tds:Namespace", ns)}${tag("tds:XAddr", xaddr)}` +
    "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>";
  return envelope(
    `<tds:GetServicesResponse>${service(NS.tds, d.deviceServiceUrl)}${service(NS.trt, d.mediaServiceUrl)}</tds:GetServicesResponse>`,
  );
}

export function capabilitiesResponse(d: DeviceDescription): string {
  return envelope(
    "<tds:GetCapabilitiesResponse><tds:Capabilities>" +
      `<tt:Device>${tag("tt:XAddr", d.deviceServiceUrl)}</tt:Device>` +
      `<tt:Media>${tag("tt:XAddr", d.mediaServiceUrl)}` +
      "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>" +
      "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>" +
      "</tds:Capabilities></tds:GetCapabilitiesResponse>",
  );
}

export function deviceInformationResponse(d: DeviceDescription): string {
  return envelope(
    "<tds:GetDeviceInformationResponse>" +
      tag("tds:Manufacturer", d.manufacturer) +
      tag("tds:Model", d.model) +
      tag("tds:FirmwareVersion", d.firmwareVersion) +
      tag("tds:SerialNumber", d.serialNumber) +
      tag("tds:HardwareId", d.hardwareId) +
      "</tds:GetDeviceInformationResponse>",
  );
}

export function videoSourcesResponse(d: DeviceDescription): string {
  const main = d.streams.find((s) => s.token === "main") ?? d.streams[0];
  if (!main) return envelope("<trt:GetVideoSourcesResponse/>");
  return envelope(
    `<trt:GetVideoSourcesResponse><trt:VideoSources token="vs0">${tag("tt:Framerate", main.fps)}` +
      `<tt:Resolution>${tag("tt:Width", main.width)}${tag("tt:Height", main.height)}</tt:Resolution>` +
      "</trt:VideoSources></trt:GetVideoSourcesResponse>",
  );
}

function profileXml(d: DeviceDescription, s: DeviceStream): string {
  const main = d.streams.find((x) => x.token === "main") ?? s;
  return (
    `<trt:Profiles token="${s.token}" fixed="true">${tag("tt:Name", `${s.token}Stream`)}` +
    `<tt:VideoSourceConfiguration token="vsc0">${tag("tt:Name", "VideoSource")}${tag("tt:UseCount", d.streams.length)}` +
    `${tag("tt:SourceToken", "vs0")}<tt:Bounds x="0" y="0" width="${main.width}" height="${main.height}"/></tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="vec-${s.token}">${tag("tt:Name", `${s.token}Encoder`)}${tag("tt:UseCount", 1)}` +
    `${tag("tt:Encoding", "H264")}<tt:Resolution>${tag("tt:Width", s.width)}${tag("tt:Height", s.height)}</tt:Resolution>` +
    `${tag("tt:Quality", 5)}<tt:RateControl>${tag("tt:FrameRateLimit", s.fps)}${tag("tt:EncodingInterval", 1)}` +
    `${tag("tt:BitrateLimit", s.kbps)}</tt:RateControl><tt:H264>${tag("tt:GovLength", s.fps)}${tag("tt:H264Profile", "Main")}</tt:H264>` +
    `${tag("tt:SessionTimeout", "PT60S")}</tt:VideoEncoderConfiguration></trt:Profiles>`
  );
}

export function profilesResponse(d: DeviceDescription): string {
  return envelope(
    `<trt:GetProfilesResponse>${d.streams.map((s) => profileXml(d, s)).join("")}</trt:GetProfilesResponse>`,
  );
}

function mediaUri(uri: string): string {
  return (
    `<trt:MediaUri>${tag("tt:Uri", uri)}<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
    "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>"
  );
}

export function streamUriResponse(s: DeviceStream): string {
  return envelope(`<trt:GetStreamUriResponse>${mediaUri(s.rtspUrl)}</trt:GetStreamUriResponse>`);
}

export function snapshotUriResponse(d: DeviceDescription, s: DeviceStream): string {
  return envelope(
    `<trt:GetSnapshotUriResponse>${mediaUri(`${d.snapshotUrl}?profile=${s.token}`)}</trt:GetSnapshotUriResponse>`,
  );
}

export interface DeviceBehaviour {
  /** Answer GetProfiles with none (a device with no media profile configured). */
  noProfiles?: boolean;
  /** Operations answered with a SOAP fault (ter:ActionFailed), e.g. ["GetDeviceInformation"]. */
  faultOn?: string[];
}

export interface SoapReply {
  status: number;
  body: string;
}

/** The whole device: a request in, a reply out. */
export function handleSoap(
  xml: string,
  d: DeviceDescription,
  creds: { username: string; password: string },
  behaviour: DeviceBehaviour = {},
  now: Date = new Date(),
): SoapReply {
  const req = parseSoapRequest(xml);
  const op = req.operation;
  if (!op)
    return { status: 400, body: soapFault("Sender", "ter:WellFormed", "No operation in the SOAP body") };
  if (!PRE_AUTH_OPERATIONS.has(op) && !checkUsernameToken(req.token, creds, now)) {
    return { status: 400, body: soapFault("Sender", "ter:NotAuthorized", "Sender not authorized") };
  }
  if (behaviour.faultOn?.includes(op)) {
    return { status: 500, body: soapFault("Receiver", "ter:ActionFailed", `${op} failed on the device`) };
  }
  const stream = () => {
    const s = d.streams.find((x) => x.token === req.profileToken);
    return behaviour.noProfiles ? undefined : s;
  };
  switch (op) {
    case "GetSystemDateAndTime":
      return { status: 200, body: systemDateAndTimeResponse(now) };
    case "GetServices":
      return { status: 200, body: servicesResponse(d) };
    case "GetCapabilities":
      return { status: 200, body: capabilitiesResponse(d) };
    case "GetDeviceInformation":
      return { status: 200, body: deviceInformationResponse(d) };
    case "GetVideoSources":
      return { status: 200, body: videoSourcesResponse(d) };
    case "GetProfiles":
      return {
        status: 200,
        body: behaviour.noProfiles ? envelope("<trt:GetProfilesResponse/>") : profilesResponse(d),
      };
    case "GetStreamUri":
    case "GetSnapshotUri": {
      const s = stream();
      if (!s) return { status: 400, body: soapFault("Sender", "ter:InvalidArgVal", "No such profile") };
      return { status: 200, body: op === "GetStreamUri" ? streamUriResponse(s) : snapshotUriResponse(d, s) };
    }
    default:
      return { status: 400, body: soapFault("Sender", "ter:ActionNotSupported", `${op} is not supported`) };
  }
}
