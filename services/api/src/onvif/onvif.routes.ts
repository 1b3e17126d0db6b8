/**
 * Adding cameras through ONVIF: WS-Discovery on the configured interface, and a probe of one device
 * (its profiles and stream URIs). Credentials go to the camera and nowhere else: never into a response
 * (stream and snapshot URIs are masked), never into a log line.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ErrorBody, maskCameraUrl } from "@mingfang/core";
import {
  discoverOnvifDevices,
  OnvifError,
  type OnvifErrorCode,
  type OnvifProfile,
  probeOnvifCamera,
  scopeValue,
} from "@mingfang/onvif";
import { Type } from "typebox";
import type { ApiDeps } from "../context.js";
import { badRequest, HttpError } from "../errors.js";
import { can, currentUser } from "../plugins/auth.plugin.js";

const DiscoveredDevice = Type.Object({
  endpoint: Type.String({ description: "WS-Discovery endpoint reference (urn:uuid:…)" }),
  onvifUrl: Type.String({ description: "The device service URL to probe" }),
  xaddrs: Type.Array(Type.String()),
  name: Type.Union([Type.String(), Type.Null()]),
  hardware: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ description: "Address the reply came from" }),
});

const DiscoverResponse = Type.Object({
  interface: Type.String(),
  devices: Type.Array(DiscoveredDevice),
});

const ProbeBody = Type.Object(
  {
    onvifUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    username: Type.String({ maxLength: 128 }),
    password: Type.String({ maxLength: 256 }),
  },
  { additionalProperties: false },
);

const ProfileView = Type.Object({
  token: Type.String(),
  name: Type.String(),
  encoding: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  fps: Type.Union([Type.Number(), Type.Null()]),
  bitrateKbps: Type.Union([Type.Number(), Type.Null()]),
  streamUrl: Type.String({ description: "Masked: no credentials" }),
  snapshotUrl: Type.Union([Type.String(), Type.Null()]),
});

const ProbeResponse = Type.Object({
  device: Type.Object({
    manufacturer: Type.String(),
    model: Type.String(),
    firmwareVersion: Type.String(),
    serialNumber: Type.String(),
    hardwareId: Type.String(),
  }),
  profiles: Type.Array(ProfileView),
  mainProfile: Type.String({ description: "Token of the profile for live view (largest)" }),
  subProfile: Type.String({ description: "Token of the profile for analysis (smallest)" }),
});

/** Camera-side failures: 422 with a stable code per cause (the request was fine, the camera was not). */
const ERROR_CODES: Record<Exclude<OnvifErrorCode, "bad_address">, string> = {
  unreachable: "onvif_unreachable",
  wrong_credentials: "onvif_wrong_credentials",
  soap_fault: "onvif_soap_fault",
  no_profiles: "onvif_no_profiles",
  not_onvif: "onvif_not_onvif",
};

export function onvifHttpError(err: OnvifError): HttpError {
  if (err.code === "bad_address") return badRequest("onvifUrl", `body: 'onvifUrl' ${err.message}`);
  return new HttpError(422, ERROR_CODES[err.code], err.message);
}

function profileView(p: OnvifProfile) {
  return {
    token: p.token,
    name: p.name,
    encoding: p.encoding,
    width: p.width,
    height: p.height,
    fps: p.fps ?? null,
    bitrateKbps: p.bitrateKbps ?? null,
    streamUrl: maskCameraUrl(p.streamUri),
    snapshotUrl: p.snapshotUri ? maskCameraUrl(p.snapshotUri) : null,
  };
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody };

export const onvifRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { config }) => {
  app.post(
    "/api/cameras/discover",
    {
      schema: {
        tags: ["cameras"],
        summary: "List the ONVIF devices that answer a WS-Discovery probe on the configured interface",
        response: { 200: DiscoverResponse, ...errors },
      },
    },
    async (req) => {
      can(currentUser(req), "camera.create", "camera");
      const found = await discoverOnvifDevices({
        interfaceAddress: config.DISCOVERY_INTERFACE,
        timeoutMs: 1500,
      });
      return {
        interface: config.DISCOVERY_INTERFACE,
        devices: found.map((d) => ({
          endpoint: d.endpoint,
          onvifUrl: d.xaddrs[0] ?? "",
          xaddrs: d.xaddrs,
          name: scopeValue(d.scopes, "name") ?? null,
          hardware: scopeValue(d.scopes, "hardware") ?? null,
          from: d.from,
        })),
      };
    },
  );

  app.post(
    "/api/cameras/probe",
    {
      schema: {
        tags: ["cameras"],
        summary: "Read an ONVIF camera's device information, profiles and stream URIs (credentials masked)",
        body: ProbeBody,
        response: { 200: ProbeResponse, ...errors },
      },
    },
    async (req) => {
      can(currentUser(req), "camera.create", "camera");
      const { onvifUrl, username, password } = req.body;
      try {
        const r = await probeOnvifCamera({ onvifUrl, username, password });
        return {
          device: r.device,
          profiles: r.profiles.map(profileView),
          mainProfile: r.mainProfile.token,
          subProfile: r.subProfile.token,
        };
      } catch (err) {
        if (err instanceof OnvifError) {
          req.log.info({ onvifUrl: maskCameraUrl(onvifUrl), code: err.code }, "ONVIF probe failed");
          throw onvifHttpError(err);
        }
        throw err;
      }
    },
  );
};
