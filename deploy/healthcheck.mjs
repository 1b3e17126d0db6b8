#!/usr/bin/env node
/**
 * The containers' health check: `node deploy/healthcheck.mjs URL` exits 0 when URL answers 2xx within
 * 4 s, else 1 (printing why). The API's is its /readyz on PORT; an ingest or analytics process (no HTTP
 * of its own) answers /readyz on INTERNAL_PORT: its Redis (and, for the analytics, its database) reachable.
 * Node built-ins only: the image has no curl.
 */
const url = process.argv[2];
if (!url) {
  process.stderr.write("usage: node deploy/healthcheck.mjs URL\n");
  process.exit(2);
}
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) {
    process.stderr.write(`${url}: HTTP ${res.status} ${await res.text()}\n`);
    process.exit(1);
  }
} catch (err) {
  process.stderr.write(`${url}: ${err?.cause?.code ?? err?.message ?? err}\n`);
  process.exit(1);
}
