import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  isOutbound,
  mqttTopic,
  outboundBody,
  retryableStatus,
  verifyWebhook,
  webhookSignature,
} from "./outbound-message.js";

const ev = {
  seq: "42",
  kind: "case.updated",
  stationId: 3,
  stationCode: "mingshui",
  createdAt: "2026-06-01T08:00:00.000Z",
  payload: { id: "c1", state: "dispatched" },
};

describe("outbound messages", () => {
  it("sends new alerts and case changes only", () => {
    expect(["alert.created", "case.created", "case.updated"].every(isOutbound)).toBe(true);
    expect(isOutbound("alert.updated")).toBe(false);
    expect(isOutbound("camera.status")).toBe(false);
  });

  it("builds the body with the seq as its id and the station", () => {
    expect(outboundBody(ev)).toEqual({
      id: "42",
      kind: "case.updated",
      occurredAt: "2026-06-01T08:00:00.000Z",
      station: { id: 3, code: "mingshui" },
      data: { id: "c1", state: "dispatched" },
    });
    expect(() => outboundBody({ ...ev, kind: "camera.status" })).toThrow();
  });

  it.each([
    [{ kind: "alert.created", stationCode: "mingshui" }, "mingfang", "mingfang/mingshui/alerts"],
    [{ kind: "case.updated", stationCode: "puji" }, "mingfang/", "mingfang/puji/cases"],
    [{ kind: "case.created", stationCode: null }, "zq/mingfang", "zq/mingfang/bureau/cases"],
    [{ kind: "case.created", stationCode: "a/#" }, "mingfang", "mingfang/bureau/cases"],
  ] as const)("topic of %j under %s is %s", (e, prefix, topic) => {
    expect(mqttTopic(prefix, e)).toBe(topic);
  });

  it("signs timestamp.body with HMAC-SHA256 and verifies it, refusing tampering and replays", () => {
    const body = JSON.stringify(outboundBody(ev));
    const sig = webhookSignature("s3cret-s3cret-s3cret", 1_780_000_000, body);
    const expected = createHmac("sha256", "s3cret-s3cret-s3cret").update(`1780000000.${body}`).digest("hex");
    expect(sig).toBe(`sha256=${expected}`);
    const h = { signature: sig, timestamp: "1780000000" };
    expect(verifyWebhook("s3cret-s3cret-s3cret", h, body, 1_780_000_100)).toBe(true);
    expect(verifyWebhook("s3cret-s3cret-s3cret", h, `${body} `, 1_780_000_100)).toBe(false);
    expect(verifyWebhook("another-secret-here", h, body, 1_780_000_100)).toBe(false);
    expect(
      verifyWebhook("s3cret-s3cret-s3cret", { ...h, timestamp: "1780000001" }, body, 1_780_000_100),
    ).toBe(false);
    expect(verifyWebhook("s3cret-s3cret-s3cret", h, body, 1_780_000_000 + 301)).toBe(false);
    expect(verifyWebhook("s3cret-s3cret-s3cret", { timestamp: "1780000000" }, body, 1_780_000_000)).toBe(
      false,
    );
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [408, true],
    [400, false],
    [401, false],
    [404, false],
  ])("status %i is retried: %s", (status, retry) => {
    expect(retryableStatus(status)).toBe(retry);
  });
});
