import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkUsernameToken,
  type DeviceDescription,
  handleSoap,
  parseSoapRequest,
  passwordDigest,
} from "./onvif-soap.js";

const device: DeviceDescription = {
  deviceServiceUrl: "http://127.0.0.1:1000/onvif/device_service",
  mediaServiceUrl: "http://127.0.0.1:1000/onvif/media_service",
  snapshotUrl: "http://127.0.0.1:1000/onvif/snapshot.jpg",
  manufacturer: "M",
  model: "X<1>",
  firmwareVersion: "1",
  serialNumber: "S",
  hardwareId: "H",
  streams: [
    { token: "main", width: 768, height: 576, fps: 10, kbps: 900, rtspUrl: "rtsp://127.0.0.1:2/c/main" },
    { token: "sub", width: 480, height: 360, fps: 10, kbps: 300, rtspUrl: "rtsp://127.0.0.1:2/c/sub" },
  ],
};
const creds = { username: "admin", password: "s3cret" };
const now = new Date("2026-12-01T04:00:00Z");

function request(
  op: string,
  opts: { user?: string; password?: string; created?: string; text?: boolean; body?: string } = {},
) {
  const nonce = randomBytes(16).toString("base64");
  const created = opts.created ?? now.toISOString();
  const password = opts.password ?? creds.password;
  const security =
    opts.user === undefined
      ? ""
      : `<Security xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>` +
        `<Username>${opts.user}</Username>` +
        (opts.text
          ? `<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${password}</Password>`
          : `<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${passwordDigest(nonce, created, password)}</Password>`) +
        `<Nonce>${nonce}</Nonce><Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${created}</Created>` +
        `</UsernameToken></Security>`;
  return (
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${security}</s:Header>` +
    `<s:Body><${op} xmlns="http://www.onvif.org/ver10/media/wsdl">${opts.body ?? ""}</${op}></s:Body></s:Envelope>`
  );
}

describe("ONVIF SOAP (pure)", () => {
  it("reads the operation, the profile token and the UsernameToken", () => {
    const req = parseSoapRequest(
      request("GetStreamUri", { user: "admin", body: "<ProfileToken>sub</ProfileToken>" }),
    );
    expect(req.operation).toBe("GetStreamUri");
    expect(req.profileToken).toBe("sub");
    expect(req.token?.username).toBe("admin");
    expect(req.token?.digest).toBe(true);
  });

  it("checks PasswordDigest (and PasswordText), refusing a wrong password, user or stale Created", () => {
    const token = (o: Parameters<typeof request>[1]) => parseSoapRequest(request("GetProfiles", o)).token;
    expect(checkUsernameToken(token({ user: "admin" }), creds, now)).toBe(true);
    expect(checkUsernameToken(token({ user: "admin", text: true }), creds, now)).toBe(true);
    expect(checkUsernameToken(token({ user: "admin", password: "nope" }), creds, now)).toBe(false);
    expect(checkUsernameToken(token({ user: "root" }), creds, now)).toBe(false);
    expect(checkUsernameToken(token({ user: "admin", created: "2026-11-30T00:00:00Z" }), creds, now)).toBe(
      false,
    );
    expect(checkUsernameToken(undefined, creds, now)).toBe(false);
  });

  it("answers GetSystemDateAndTime without authentication and nothing else", () => {
    const time = handleSoap(request("GetSystemDateAndTime"), device, creds, {}, now);
    expect(time.status).toBe(200);
    expect(time.body).toContain("<tt:Hour>4</tt:Hour>");
    const profiles = handleSoap(request("GetProfiles"), device, creds, {}, now);
    expect(profiles.status).toBe(400);
    expect(profiles.body).toContain("ter:NotAuthorized");
  });

  it("serves profiles, stream and snapshot URIs, escaping text", () => {
    const ok = (op: string, body = "") =>
      handleSoap(request(op, { user: "admin", body }), device, creds, {}, now);
    const profiles = ok("GetProfiles").body;
    expect(profiles.match(/<trt:Profiles token="(\w+)"/g)).toEqual([
      '<trt:Profiles token="main"',
      '<trt:Profiles token="sub"',
    ]);
    expect(profiles).toContain("<tt:Width>480</tt:Width>");
    expect(ok("GetStreamUri", "<ProfileToken>sub</ProfileToken>").body).toContain(
      "<tt:Uri>rtsp://127.0.0.1:2/c/sub</tt:Uri>",
    );
    expect(ok("GetSnapshotUri", "<ProfileToken>main</ProfileToken>").body).toContain(
      "snapshot.jpg?profile=main",
    );
    expect(ok("GetDeviceInformation").body).toContain("<tds:Model>X&lt;1&gt;</tds:Model>");
    expect(ok("GetStreamUri", "<ProfileToken>nope</ProfileToken>").body).toContain("ter:InvalidArgVal");
    expect(ok("Reboot").body).toContain("ter:ActionNotSupported");
  });

  it("misbehaves on request: no profiles, SOAP faults", () => {
    const noProfiles = handleSoap(
      request("GetProfiles", { user: "admin" }),
      device,
      creds,
      { noProfiles: true },
      now,
    );
    expect(noProfiles.body).not.toContain("<trt:Profiles");
    const fault = handleSoap(
      request("GetDeviceInformation", { user: "admin" }),
      device,
      creds,
      { faultOn: ["GetDeviceInformation"] },
      now,
    );
    expect(fault.status).toBe(500);
    expect(fault.body).toContain("ter:ActionFailed");
  });
});

describe("ONVIF SOAP: any input gets an answer, never an exception", () => {
  it("random text and mangled envelopes", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.constantFrom("", "GetProfiles", "GetStreamUri"),
        (junk, op) => {
          for (const xml of [
            junk,
            request(op || "X", { user: "admin" }).replace("</s:Header>", junk),
            `<s:Body>${junk}`,
          ]) {
            const reply = handleSoap(xml, device, creds, {}, now);
            expect([200, 400, 500]).toContain(reply.status);
            expect(reply.body.startsWith("<?xml")).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
