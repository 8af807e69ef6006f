/**
 * RestApiBackend over HTTPS against a real nginx (Debian `nginx-light` +
 * `libnginx-mod-http-echo`), with a private CA, a server and a client
 * certificate made here with `openssl`. One nginx serves two ports: TLS, and
 * TLS that requires a client certificate (mTLS). Its access log records the
 * body and the client-verification result of every request.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findBinary, freePort, portOpen, runCommand, stopChild, tempDir, waitFor } from "./_helpers.ts";
import { getLogger, type Logger } from "../mod.ts";

const nginx = findBinary("nginx");
const openssl = findBinary("openssl");
const ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so";
const skip = !nginx
  ? "nginx is not installed (apt-get install nginx-light libnginx-mod-http-echo)"
  : !existsSync(ECHO_MODULE)
  ? `the nginx echo module is missing (${ECHO_MODULE}; apt-get install libnginx-mod-http-echo)`
  : !openssl
  ? "openssl is not installed"
  : false;

async function sh(dir: string, ...cmd: string[]): Promise<void> {
  const r = await runCommand(cmd, { cwd: dir, timeoutMs: 30_000 });
  assert.equal(r.code, 0, `${cmd.join(" ")}: ${r.stderr}`);
}

/** A private CA, a server certificate for 127.0.0.1/localhost and a client certificate, all EC P-256. */
async function makeCertificates(dir: string): Promise<void> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await sh(
    dir,
    openssl!,
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n",
  );
  writeFileSync(
    join(dir, "client.ext"),
    "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n",
  );
  for (const who of ["server", "client"]) {
    await sh(
      dir,
      openssl!,
      "req",
      ...ec,
      "-keyout",
      `${who}.key`,
      "-out",
      `${who}.csr`,
      "-subj",
      `/CN=${who === "server" ? "localhost" : "log-client"}`,
    );
    await sh(
      dir,
      openssl!,
      "x509",
      "-req",
      "-in",
      `${who}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${who}.pem`,
      "-days",
      "2",
      "-extfile",
      `${who}.ext`,
    );
  }
}

function nginxConfig(dir: string, tlsPort: number, mtlsPort: number): string {
  const tls = `ssl_certificate ${dir}/server.pem;\n    ssl_certificate_key ${dir}/server.key;`;
  return `load_module ${ECHO_MODULE};
daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  log_format body escape=json '$server_port $status $ssl_client_verify $request_body';
  access_log ${dir}/access.log body;
  client_body_buffer_size 1m;
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ${tls}
    location / { echo_read_request_body; echo "ok"; }
  }
  server {
    listen 127.0.0.1:${mtlsPort} ssl;
    ${tls}
    ssl_client_certificate ${dir}/ca.pem;
    ssl_verify_client on;
    location / { echo_read_request_body; echo "ok"; }
  }
}
`;
}

test(
  "RestApiBackend over HTTPS with real nginx: caCert accepted, rejected without it, mTLS with clientCert/clientKey, verifySsl false",
  { skip },
  async () => {
    const dir = tempDir("jinpy-nginx-");
    const d = dir.path;
    let child: ChildProcess | undefined;
    let stderr = "";
    try {
      await makeCertificates(d);
      const [tlsPort, mtlsPort] = [await freePort(), await freePort()];
      await sh(d, "mkdir", "-p", join(d, "tmp"));
      writeFileSync(join(d, "nginx.conf"), nginxConfig(d, tlsPort, mtlsPort));
      child = spawn(nginx!, ["-p", d, "-c", join(d, "nginx.conf")], { cwd: d, stdio: ["ignore", "ignore", "pipe"] });
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (s: string) => stderr += s);
      const c = child;
      assert.ok(
        await waitFor(
          async () => c.exitCode !== null || (await portOpen(tlsPort) && await portOpen(mtlsPort)),
          10_000,
          50,
        ),
        "nginx started",
      );
      assert.equal(child.exitCode, null, `nginx exited: ${stderr}`);

      const accessLog = () => existsSync(join(d, "access.log")) ? readFileSync(join(d, "access.log"), "utf8") : "";
      let n = 0;
      const attempt = async (port: number, tls: Record<string, unknown>) => {
        const marker = `marker-${++n}`;
        const logger: Logger = getLogger(`nginx_${n}`, {
          backends: [{
            type: "rest_api",
            endpoint: `https://127.0.0.1:${port}/ingest`,
            retryCount: 0,
            timeoutSeconds: 5,
            ...tls,
          }],
        });
        logger.info(marker);
        await logger.flush();
        const stats = logger.getBackends()[0].getStats();
        await logger.shutdown();
        // nginx writes the access log line as the request completes.
        await waitFor(() => accessLog().includes(marker), stats.messagesWritten === 1 ? 2000 : 100);
        const line = accessLog().split("\n").find((l) => l.includes(marker));
        return { stats, line };
      };
      const ca = join(d, "ca.pem");
      const client = { caCert: ca, clientCert: join(d, "client.pem"), clientKey: join(d, "client.key") };

      const trusted = await attempt(tlsPort, { caCert: ca });
      assert.equal(trusted.stats.messagesWritten, 1, `private CA via caCert: ${trusted.stats.lastError}`);
      assert.match(trusted.line ?? "", new RegExp(`^${tlsPort} 200 `));

      const untrusted = await attempt(tlsPort, {});
      assert.equal(untrusted.stats.messagesWritten, 0, "without caCert the server's certificate is rejected");
      assert.equal(untrusted.stats.messagesDropped, 1);
      assert.match(String(untrusted.stats.lastError), /certificate|issuer|verify/i);
      assert.equal(untrusted.line, undefined, "nothing reached nginx");

      const mtls = await attempt(mtlsPort, client);
      assert.equal(mtls.stats.messagesWritten, 1, `mTLS: ${mtls.stats.lastError}`);
      assert.match(mtls.line ?? "", new RegExp(`^${mtlsPort} 200 SUCCESS `));

      const noClientCert = await attempt(mtlsPort, { caCert: ca });
      assert.equal(noClientCert.stats.messagesWritten, 0, "nginx requires a client certificate");
      assert.match(String(noClientCert.stats.lastError), /HTTP 400/);

      const unverified = await attempt(tlsPort, { verifySsl: false });
      assert.equal(unverified.stats.messagesWritten, 1, `verifySsl false: ${unverified.stats.lastError}`);

      const unverifiedMtls = await attempt(mtlsPort, {
        verifySsl: false,
        clientCert: client.clientCert,
        clientKey: client.clientKey,
      });
      assert.equal(
        unverifiedMtls.stats.messagesWritten,
        1,
        `verifySsl false with mTLS: ${unverifiedMtls.stats.lastError}`,
      );
    } finally {
      if (child) await stopChild(child);
      dir.cleanup();
    }
  },
);
