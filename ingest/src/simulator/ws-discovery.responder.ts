/**
 * The simulator's WS-Discovery responder: joins 239.255.255.250:3702 on one interface address only and
 * answers each Probe with one ProbeMatches per camera (as separate devices do), unicast to the prober.
 */
import { createSocket, type Socket } from "node:dgram";
import {
  buildProbeMatches,
  type ProbeMatch,
  parseDiscoveryProbe,
  probeWantsVideoDevice,
  WS_DISCOVERY_GROUP,
  WS_DISCOVERY_PORT,
} from "@mingfang/onvif";

export class WsDiscoveryResponder {
  private listener: Socket | undefined;
  private sender: Socket | undefined;

  /** `devices()` is read at each probe, so stopped cameras can drop out. */
  constructor(
    private readonly interfaceAddress: string,
    private readonly devices: () => ProbeMatch[],
    private readonly port = WS_DISCOVERY_PORT,
  ) {}

  async start(): Promise<void> {
    const sender = createSocket({ type: "udp4" });
    this.sender = sender;
    await new Promise<void>((resolve, reject) => {
      sender.once("error", reject);
      sender.bind(0, this.interfaceAddress, () => resolve());
    });
    sender.on("error", () => {});
    // Bound to the group address: only multicast to the group arrives, never a unicast from elsewhere.
    const listener = createSocket({ type: "udp4", reuseAddr: true });
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.bind(this.port, WS_DISCOVERY_GROUP, () => {
        listener.off("error", reject);
        resolve();
      });
    });
    listener.addMembership(WS_DISCOVERY_GROUP, this.interfaceAddress);
    listener.on("error", () => {});
    listener.on("message", (msg, rinfo) => {
      const probe = parseDiscoveryProbe(msg.toString("utf8"));
      if (!probe || !probeWantsVideoDevice(probe.types)) return;
      for (const device of this.devices()) {
        sender.send(Buffer.from(buildProbeMatches(probe.messageId, [device])), rinfo.port, rinfo.address);
      }
    });
  }

  async stop(): Promise<void> {
    const sockets = [this.listener, this.sender].filter((s): s is Socket => s !== undefined);
    this.listener = undefined;
    this.sender = undefined;
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            try {
              s.close(() => resolve());
            } catch {
              resolve(); // never bound, or already closed
            }
          }),
      ),
    );
  }
}
