/**
 * deploy/nginx.conf, the TLS termination example, is a configuration nginx accepts: `nginx -t` on it as
 * docs/operations.md says to install it (in the `http` block), with a throwaway self-signed certificate at
 * the paths it names. A spoiled copy is refused, so the check can fail.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../test/support/compose-config.js";

const run = promisify(execFile);
let dir = "";

/** nginx -t on the example (its certificate paths moved into `dir`); resolves with nginx's verdict. */
async function nginxTest(site: string): Promise<{ ok: boolean; output: string }> {
  const conf = site
    .replace("/etc/ssl/mingfang/fullchain.pem", path.join(dir, "cert.pem"))
    .replace("/etc/ssl/mingfang/privkey.pem", path.join(dir, "key.pem"));
  writeFileSync(path.join(dir, "site.conf"), conf);
  writeFileSync(
    path.join(dir, "nginx.conf"),
    `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/site.conf;\n}\n`,
  );
  try {
    const r = await run("nginx", ["-t", "-q", "-e", "stderr", "-p", dir, "-c", path.join(dir, "nginx.conf")]);
    return { ok: true, output: r.stderr };
  } catch (err) {
    return { ok: false, output: String((err as { stderr?: string }).stderr ?? err) };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mingfang-nginx-"));
  await run("openssl", [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=jiankong.example.cn"],
    ...["-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("deploy/nginx.conf", () => {
  const site = readFileSync(path.join(ROOT, "deploy/nginx.conf"), "utf8");

  it("is accepted by nginx -t", async () => {
    const r = await nginxTest(site);
    expect(r.output).not.toMatch(/\[emerg\]/);
    expect(r.ok, r.output).toBe(true);
  });

  it("proxies the WebSocket upgrade and passes the client's address on", () => {
    expect(site).toMatch(/proxy_set_header\s+Upgrade\s+\$http_upgrade/);
    expect(site).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for/);
  });

  it("is refused when spoiled (the check can fail)", async () => {
    const r = await nginxTest(site.replace("proxy_pass", "proxy_passs"));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/unknown directive "proxy_passs"/);
  });
});
