// Public surface of @mingfang/onvif: the ONVIF client and WS-Discovery. No dependency on the other packages.

export * from "./discovery.js";
export * from "./onvif-client.js";
export * from "./ws-discovery.js";
