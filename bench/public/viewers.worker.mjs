/**
 * bench/public load generator: `viewers` HLS players as hls.js plays a live stream, for `seconds`, then
 * exits. Each viewer keeps one keep-alive connection, fetches the playlist every target duration and
 * every segment it has not fetched yet (starting three from the live edge), timing each request to its
 * last byte. Forked by run.mjs: gets `{ port, prefix, viewers, warm, seconds }`, answers the timings of the
 * requests sent after the warm-up (errors by status; 0 = no answer in 10 s or a broken connection).
 */
import http from "node:http";

const get = (agent, port, path) =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }),
      );
      res.on("error", () => resolve({ status: 0, body: Buffer.alloc(0), ms: performance.now() - t0 }));
    });
    req.on("error", () => resolve({ status: 0, body: Buffer.alloc(0), ms: performance.now() - t0 }));
    req.setTimeout(10_000, () => req.destroy());
  });

async function viewer({ port, prefix, from, until, out }) {
  // One connection per viewer, as a phone's player would have.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const fetched = new Set();
  let first = true;
  // Viewers do not arrive in step: each starts somewhere in the first second.
  await new Promise((r) => setTimeout(r, Math.random() * 1000));
  while (performance.now() < until) {
    const tick = performance.now();
    const pl = await get(agent, port, `${prefix}index.m3u8`);
    const counts = tick >= from;
    if (counts) {
      out.playlist.push(pl.ms);
      if (pl.status !== 200) out.errors[pl.status] = (out.errors[pl.status] ?? 0) + 1;
    }
    const text = pl.body.toString("utf8");
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 1);
    let segs = text.split("\n").filter((l) => l && !l.startsWith("#"));
    if (first) {
      segs = segs.slice(-3);
      first = false;
    }
    for (const s of segs) {
      if (fetched.has(s) || performance.now() >= until) continue;
      fetched.add(s);
      const t0 = performance.now();
      const r = await get(agent, port, `${prefix}${s}`);
      if (t0 < from) continue;
      if (r.status === 200) {
        out.segment.push(r.ms);
        out.bytes += r.body.length;
      } else out.errors[r.status] = (out.errors[r.status] ?? 0) + 1;
    }
    const wait = target * 1000 - (performance.now() - tick);
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, until - performance.now())));
  }
  agent.destroy();
}

process.on("disconnect", () => process.exit(0));
process.on("message", async ({ port, prefix, viewers, warm, seconds }) => {
  const out = { playlist: [], segment: [], errors: {}, bytes: 0 };
  // Requests sent in the warm-up are made but not counted; the run's window is the one run.mjs reads CPU in.
  const from = performance.now() + warm * 1000;
  const until = from + seconds * 1000;
  await Promise.all(Array.from({ length: viewers }, () => viewer({ port, prefix, from, until, out })));
  process.send(out);
});
