/**
 * WS-Discovery probe on ONE configured interface (an IPv4 address, `DISCOVERY_INTERFACE`): the socket is
 * bound to that address and its multicast interface set to it, so the probe never leaves for another
 * network. (The `onvif` package's Discovery binds to an interface but leaves the multicast route to the
 * default one, so it cannot be confined; hence this small probe.)
 */
import { createSocket } from "node:dgram";
import { isIPv4 } from "node:net";
import {
  buildDiscoveryProbe,
  newMessageId,
  type ProbeMatch,
  parseProbeMatches,
  WS_DISCOVERY_GROUP,
  WS_DISCOVERY_PORT,
} from "./ws-discovery.js";

export interface DiscoveredDevice extends ProbeMatch {
  /** Address the reply came from. */
  from: string;
}

export interface DiscoverOptions {
  /** IPv4 address of the interface to probe on, e.g. "127.0.0.1". */
  interfaceAddress: string;
  /** How long to collect replies. Default 1500 ms. */
  timeoutMs?: number;
  /** Destination port (tests of the protocol only; the standard is 3702). */
  port?: number;
}

export async function discoverOnvifDevices(opts: DiscoverOptions): Promise<DiscoveredDevice[]> {
  if (!isIPv4(opts.interfaceAddress)) {
    throw new Error(`discovery interface must be an IPv4 address, got "${opts.interfaceAddress}"`);
  }
  const messageId = newMessageId();
  const found = new Map<string, DiscoveredDevice>();
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, opts.interfaceAddress, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    socket.setMulticastInterface(opts.interfaceAddress);
    socket.setMulticastTTL(1);
    socket.setMulticastLoopback(true);
    socket.on("message", (msg, rinfo) => {
      const parsed = parseProbeMatches(msg.toString("utf8"));
      if (!parsed || parsed.relatesTo !== messageId) return;
      for (const m of parsed.matches)
        if (!found.has(m.endpoint)) found.set(m.endpoint, { ...m, from: rinfo.address });
    });
    socket.on("error", () => {});
    const probe = Buffer.from(buildDiscoveryProbe(messageId));
    const send = () =>
      new Promise<void>((resolve) =>
        socket.send(probe, opts.port ?? WS_DISCOVERY_PORT, WS_DISCOVERY_GROUP, () => resolve()),
      );
    // UDP may drop a datagram: the standard repeats the probe.
    await send();
    await new Promise((r) => setTimeout(r, 100));
    await send();
    await new Promise((r) => setTimeout(r, opts.timeoutMs ?? 1500));
  } finally {
    socket.close();
  }
  return [...found.values()].sort((a, b) => (a.xaddrs[0] ?? "").localeCompare(b.xaddrs[0] ?? ""));
}
