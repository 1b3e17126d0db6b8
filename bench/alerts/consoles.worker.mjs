/**
 * The consoles of the alerts bench, in their own thread (the server's event loop stays the server's):
 * N WebSocket clients; for every `alert.created` (platform) or broadcast message (baseline) each client
 * receives, the latency from the moment the main thread sent it (performance.timeOrigin + now(), the
 * same clock in both threads).
 */
import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";

const now = () => performance.timeOrigin + performance.now();
const { url, cookies, count } = workerData;
const sentAt = new Map(); // id → time it entered the pipeline
const early = []; // [id, receivedAt] that arrived before their send time was known
const latencies = [];
const sockets = [];

function record(id, at) {
  const t0 = sentAt.get(id);
  if (t0 === undefined) early.push([id, at]);
  else latencies.push(at - t0);
}

parentPort.on("message", (m) => {
  if (m.type === "sent") {
    sentAt.set(m.id, m.at);
    for (let i = early.length - 1; i >= 0; i--) {
      if (early[i][0] === m.id) {
        latencies.push(early[i][1] - m.at);
        early.splice(i, 1);
      }
    }
  } else if (m.type === "report") {
    parentPort.postMessage({
      type: "report",
      latencies,
      pending: early.length,
      open: sockets.filter((s) => s.readyState === 1).length,
    });
  } else if (m.type === "close") {
    for (const s of sockets) s.terminate();
    parentPort.postMessage({ type: "closed" });
  }
});

let opened = 0;
for (let i = 0; i < count; i++) {
  const s = new WebSocket(url, cookies ? { headers: { cookie: cookies[i % cookies.length] } } : {});
  sockets.push(s);
  s.on("open", () => {
    if (++opened === count) parentPort.postMessage({ type: "ready" });
  });
  s.on("message", (data) => {
    const at = now();
    const m = JSON.parse(String(data));
    if (m.type === "event" && m.kind === "alert.created") record(m.payload.id, at);
  });
  s.on("error", (err) => parentPort.postMessage({ type: "error", message: err.message }));
}
