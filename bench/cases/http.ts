/**
 * http: a hello-world server on the runtime's own server (`Deno.serve`,
 * `Bun.serve`, `node:http`) that logs one record per request to a file,
 * driven by `wrk` on 127.0.0.1 for a fixed time after a short warm-up.
 * Implementations: none (no logging), ours, pino, logtape.
 *
 * Reports requests/s of the measured phase and requests per CPU-second of
 * the server process during it; `n` is every request wrk saw
 * answered (warm-up included) and `delivered` the lines in the log file after
 * the logger is closed (at least `n`: wrk stops counting requests that were in
 * flight when it quit).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { join } from "node:path";
import process from "node:process";
import { getLogger } from "../../mod.ts";
import { args, countLines, exit, haveBackend, report, runtime, skip, tempDir, touch } from "./_common.ts";
import { endPino, logtape, logtapeFile, pino } from "./_peers.ts";
import { findWrk } from "./_wrk.ts";

const a = args();
const impl = a.impl ?? "ours";
const seconds = Math.max(1, Math.round(Number(a.duration ?? 3)));
const warmup = Math.max(0, Math.round(Number(a.warmup ?? 1)));
const connections = Number(a.connections ?? 32);
const BODY = "Hello, world!";

type Log = (fields: Record<string, unknown>) => void;

/** The per-request logger of an implementation and how to close it. */
async function setup(path: string): Promise<{ log?: Log; close: () => Promise<void> } | undefined> {
  switch (impl) {
    case "none":
      return { close: () => Promise.resolve() };
    case "ours": {
      if (!haveBackend("file", impl)) return undefined;
      const logger = getLogger("http", { level: "info", backends: [{ type: "file", filePath: path }] });
      return { log: (f) => logger.info("request handled", f), close: () => logger.shutdown() };
    }
    case "pino": {
      const p = pino(impl);
      if (!p) return undefined;
      const dest = p.destination({ dest: path, sync: false });
      const logger = p({}, dest);
      return { log: (f) => logger.info(f, "request handled"), close: () => endPino(dest) };
    }
    case "logtape": {
      const lt = logtape(impl);
      const lf = lt && logtapeFile(impl);
      if (!lt || !lf) return undefined;
      await lt.configure({
        sinks: { file: lf.getFileSink(path, { formatter: lt.jsonLinesFormatter, nonBlocking: true }) },
        loggers: [
          { category: ["http"], sinks: ["file"], lowestLevel: "info" },
          { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
        ],
      });
      const logger = lt.getLogger(["http"]);
      return { log: (f) => logger.info("request handled", f), close: () => lt.dispose() };
    }
  }
  skip(impl, `unknown implementation ${impl}`);
  return undefined;
}

interface Server {
  port: number;
  stop(): Promise<void>;
}

/** A hello-world server on the runtime's own HTTP server, logging each request. */
function serve(log: Log | undefined): Promise<Server> {
  const g = globalThis as unknown as {
    Deno?: {
      serve(
        o: { port: number; hostname: string; onListen(a: { port: number }): void },
        h: (req: Request) => Response,
      ): { shutdown(): Promise<void> };
    };
    Bun?: {
      serve(o: { port: number; hostname: string; fetch(req: Request): Response }): { port: number; stop(): void };
    };
  };
  if (runtime === "deno") {
    return new Promise((resolve) => {
      const server = g.Deno!.serve({
        port: 0,
        hostname: "127.0.0.1",
        onListen: ({ port }) => resolve({ port, stop: () => server.shutdown() }),
      }, (req) => {
        log?.({ method: req.method, url: req.url, status: 200 });
        return new Response(BODY, { headers: { "content-type": "text/plain" } });
      });
    });
  }
  if (runtime === "bun") {
    const server = g.Bun!.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        log?.({ method: req.method, url: req.url, status: 200 });
        return new Response(BODY, { headers: { "content-type": "text/plain" } });
      },
    });
    return Promise.resolve({ port: server.port, stop: () => Promise.resolve(server.stop()) });
  }
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      log?.({ method: req.method, url: req.url, status: 200 });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(BODY);
    });
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as { port: number };
      resolve({
        port: address.port,
        stop: () =>
          new Promise((r) => {
            (server as unknown as { closeAllConnections?(): void }).closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Runs wrk against the server; requests/s and the number of answered requests. */
function wrk(bin: string, port: number, secs: number): Promise<{ rps: number; requests: number; errors: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["-t1", `-c${connections}`, `-d${secs}s`, `http://127.0.0.1:${port}/`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => out += d);
    child.stderr!.on("data", (d: string) => out += d);
    const timer = setTimeout(() => child.kill("SIGKILL"), (secs + 30) * 1000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      if (code !== 0 || !Number.isFinite(rps)) return reject(new Error(`wrk exit ${code}: ${out.slice(-500)}`));
      const errors = [/Socket errors:.*/.exec(out)?.[0], /Non-2xx.*/.exec(out)?.[0]].filter(Boolean).join("; ");
      resolve({ rps, requests, errors });
    });
  });
}

const bin = findWrk();
if (!bin) {
  skip(impl, "wrk not found (apt-get install wrk)");
  exit(0);
}
const dir = tempDir();
try {
  const path = touch(join(dir.path, "http.log"));
  const logger = await setup(path);
  if (logger) {
    const server = await serve(logger.log);
    const warm = warmup > 0 ? await wrk(bin, server.port, warmup) : { rps: 0, requests: 0, errors: "" };
    const cpu0 = process.cpuUsage();
    const run = await wrk(bin, server.port, seconds);
    const cpu = process.cpuUsage(cpu0);
    await server.stop();
    await logger.close();
    const lines = countLines(path);
    report({
      impl,
      n: warm.requests + run.requests,
      ms: seconds * 1000,
      rate: run.rps,
      delivered: impl === "none" ? undefined : lines,
      extra: {
        connections,
        seconds,
        // Requests per CPU-second of this process (every thread): the cost per request, less swayed by
        // other load on the machine than requests/s.
        reqPerCpuSec: run.requests / ((cpu.user + cpu.system) / 1e6),
        ...(run.errors || warm.errors ? { errors: run.errors || warm.errors } : {}),
      },
    });
  }
} finally {
  dir.cleanup();
}
exit(0);
