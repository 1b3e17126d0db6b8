/**
 * WS-Discovery (the ONVIF flavour: SOAP 1.2 over UDP multicast 239.255.255.250:3702) as pure functions:
 * Probe and ProbeMatches, written and read. Used by the discovery client (discovery.ts) and by the
 * simulator's responder.
 */
import { randomUUID } from "node:crypto";

export const WS_DISCOVERY_GROUP = "239.255.255.250";
export const WS_DISCOVERY_PORT = 3702;

const NS_SOAP = "http://www.w3.org/2003/05/soap-envelope";
const NS_ADDR = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
const NS_DISC = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
const NS_DN = "http://www.onvif.org/ver10/network/wsdl";
const NS_TDS = "http://www.onvif.org/ver10/device/wsdl";
const ANONYMOUS = `${NS_ADDR}/role/anonymous`;

export interface ProbeMatch {
  /** Endpoint reference address, e.g. `urn:uuid:…`. */
  endpoint: string;
  types: string[];
  scopes: string[];
  /** Device service URLs. */
  xaddrs: string[];
}

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

function texts(xml: string, local: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${local}>`, "g");
  return [...xml.matchAll(re)].map((m) => unescapeXml((m[1] ?? "").trim()));
}

const words = (s: string | undefined) => (s ?? "").split(/\s+/).filter(Boolean);

export function newMessageId(): string {
  return `uuid:${randomUUID()}`;
}

export function buildDiscoveryProbe(messageId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS_SOAP}" xmlns:a="${NS_ADDR}" xmlns:d="${NS_DISC}" xmlns:dn="${NS_DN}">` +
    `<s:Header><a:Action s:mustUnderstand="1">${NS_DISC}/Probe</a:Action>` +
    `<a:MessageID>${escapeXml(messageId)}</a:MessageID>` +
    `<a:ReplyTo><a:Address>${ANONYMOUS}</a:Address></a:ReplyTo>` +
    `<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>` +
    `<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`
  );
}

export interface ParsedDiscoveryProbe {
  messageId: string;
  types: string[];
}

/** A Probe's message id and requested types; undefined when the datagram is not a Probe. */
export function parseDiscoveryProbe(xml: string): ParsedDiscoveryProbe | undefined {
  const action = texts(xml, "Action")[0];
  if (!action?.endsWith("/discovery/Probe")) return undefined;
  if (!/<(?:[\w.-]+:)?Probe[\s>/]/.test(xml)) return undefined;
  const messageId = texts(xml, "MessageID")[0];
  if (!messageId) return undefined;
  return { messageId, types: words(texts(xml, "Types")[0]) };
}

/** Whether a device of NetworkVideoTransmitter type answers a probe for `types` (empty: any). */
export function probeWantsVideoDevice(types: string[]): boolean {
  if (types.length === 0) return true;
  return types.some((t) => /(?:^|:)(NetworkVideoTransmitter|Device)$/.test(t));
}

export function buildProbeMatches(
  relatesTo: string,
  matches: ProbeMatch[],
  messageId = newMessageId(),
): string {
  const body = matches
    .map(
      (m) =>
        `<d:ProbeMatch><a:EndpointReference><a:Address>${escapeXml(m.endpoint)}</a:Address></a:EndpointReference>` +
        `<d:Types>${escapeXml(m.types.join(" "))}</d:Types><d:Scopes>${escapeXml(m.scopes.join(" "))}</d:Scopes>` +
        `<d:XAddrs>${escapeXml(m.xaddrs.join(" "))}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch>`,
    )
    .join("");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS_SOAP}" xmlns:a="${NS_ADDR}" xmlns:d="${NS_DISC}" xmlns:dn="${NS_DN}" xmlns:tds="${NS_TDS}">` +
    `<s:Header><a:Action s:mustUnderstand="1">${NS_DISC}/ProbeMatches</a:Action>` +
    `<a:MessageID>${escapeXml(messageId)}</a:MessageID><a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo>` +
    `<a:To s:mustUnderstand="1">${ANONYMOUS}</a:To></s:Header>` +
    `<s:Body><d:ProbeMatches>${body}</d:ProbeMatches></s:Body></s:Envelope>`
  );
}

export interface ParsedProbeMatches {
  relatesTo: string | undefined;
  matches: ProbeMatch[];
}

/** The matches of a ProbeMatches message; undefined when the datagram is something else. */
export function parseProbeMatches(xml: string): ParsedProbeMatches | undefined {
  const action = texts(xml, "Action")[0];
  if (!action?.endsWith("/discovery/ProbeMatches")) return undefined;
  const matches = texts(xml, "ProbeMatch").flatMap((m) => {
    const endpoint = texts(m, "Address")[0];
    const xaddrs = words(texts(m, "XAddrs")[0]);
    if (!endpoint || xaddrs.length === 0) return [];
    return [{ endpoint, xaddrs, types: words(texts(m, "Types")[0]), scopes: words(texts(m, "Scopes")[0]) }];
  });
  return { relatesTo: texts(xml, "RelatesTo")[0], matches };
}

/** The value of an `onvif://www.onvif.org/<kind>/<value>` scope (URL-decoded), e.g. kind "name". */
export function scopeValue(scopes: string[], kind: string): string | undefined {
  const prefix = `onvif://www.onvif.org/${kind}/`;
  const s = scopes.find((x) => x.startsWith(prefix));
  if (!s) return undefined;
  try {
    return decodeURIComponent(s.slice(prefix.length));
  } catch {
    return s.slice(prefix.length);
  }
}
