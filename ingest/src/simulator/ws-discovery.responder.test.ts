import { discoverOnvifDevices } from "@mingfang/onvif";
import { describe, expect, it } from "vitest";
import { WsDiscoveryResponder } from "./ws-discovery.responder.js";

const device = (port: number) => ({
  endpoint: `urn:uuid:00000000-0000-5000-a000-${String(port).padStart(12, "0")}`,
  types: ["dn:NetworkVideoTransmitter"],
  scopes: ["onvif://www.onvif.org/name/test"],
  xaddrs: [`http://127.0.0.1:${port}/onvif/device_service`],
});

describe("WS-Discovery responder and probe on 127.0.0.1", () => {
  it("answers probes with the devices of the moment, and stops answering when stopped", async () => {
    let devices = [device(1), device(2)];
    const responder = new WsDiscoveryResponder("127.0.0.1", () => devices);
    await responder.start();
    try {
      const mine = async () =>
        (await discoverOnvifDevices({ interfaceAddress: "127.0.0.1", timeoutMs: 500 }))
          .filter((d) => d.endpoint.startsWith("urn:uuid:00000000-0000-5000-a000-"))
          .map((d) => d.xaddrs[0]);
      expect(await mine()).toEqual([
        "http://127.0.0.1:1/onvif/device_service",
        "http://127.0.0.1:2/onvif/device_service",
      ]);
      devices = [device(2)];
      expect(await mine()).toEqual(["http://127.0.0.1:2/onvif/device_service"]);
      await responder.stop();
      expect(await mine()).toEqual([]);
    } finally {
      await responder.stop();
    }
  });

  it("only works on an address of this host; the probe wants an IPv4 address", async () => {
    // 192.0.2.1 (TEST-NET-1) is not an address of this machine: nothing is bound, nothing is sent.
    const responder = new WsDiscoveryResponder("192.0.2.1", () => [device(3)]);
    await expect(responder.start()).rejects.toThrow();
    await responder.stop();
    await expect(discoverOnvifDevices({ interfaceAddress: "192.0.2.1", timeoutMs: 100 })).rejects.toThrow();
    await expect(discoverOnvifDevices({ interfaceAddress: "eth0" })).rejects.toThrow(/IPv4/);
  });
});
