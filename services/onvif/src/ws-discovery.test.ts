import { describe, expect, it } from "vitest";
import {
  buildDiscoveryProbe,
  buildProbeMatches,
  parseDiscoveryProbe,
  parseProbeMatches,
  probeWantsVideoDevice,
  scopeValue,
} from "./ws-discovery.js";

describe("WS-Discovery messages (pure)", () => {
  it("round-trips a Probe", () => {
    const p = parseDiscoveryProbe(buildDiscoveryProbe("uuid:1"));
    expect(p).toEqual({ messageId: "uuid:1", types: ["dn:NetworkVideoTransmitter"] });
    expect(probeWantsVideoDevice(p?.types ?? [])).toBe(true);
    expect(probeWantsVideoDevice([])).toBe(true);
    expect(probeWantsVideoDevice(["dp0:NetworkVideoDisplay"])).toBe(false);
  });

  it("round-trips ProbeMatches and reads scopes", () => {
    const xml = buildProbeMatches("uuid:1", [
      {
        endpoint: "urn:uuid:a",
        types: ["dn:NetworkVideoTransmitter"],
        scopes: ["onvif://www.onvif.org/name/%E6%98%8E%E5%9D%8A%201"],
        xaddrs: ["http://127.0.0.1:9/onvif/device_service"],
      },
    ]);
    const parsed = parseProbeMatches(xml);
    expect(parsed?.relatesTo).toBe("uuid:1");
    expect(parsed?.matches[0]?.xaddrs).toEqual(["http://127.0.0.1:9/onvif/device_service"]);
    expect(scopeValue(parsed?.matches[0]?.scopes ?? [], "name")).toBe("明坊 1");
  });

  it("ignores other datagrams", () => {
    expect(parseDiscoveryProbe("<hello/>")).toBeUndefined();
    expect(parseProbeMatches(buildDiscoveryProbe("uuid:2"))).toBeUndefined();
    expect(parseDiscoveryProbe(buildProbeMatches("uuid:1", []))).toBeUndefined();
  });
});
