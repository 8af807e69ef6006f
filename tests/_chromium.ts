/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket), for the
 * page and browser-bundle tests. Deno only.
 */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium binary, or undefined when none is installed. */
export function chromiumPath(): string | undefined {
  for (const p of CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** A browser tab to drive. */
export interface Tab {
  /** Evaluates an expression in the page and returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Saves a PNG screenshot. */
  screenshot(path: string): Promise<void>;
  /** Closes the browser. */
  close(): Promise<void>;
  /** Console messages and exceptions seen in the page. */
  console: string[];
}

/** Starts headless Chromium on `url` and connects to its page. */
export async function openPage(url: string, width = 1280, height = 860): Promise<Tab> {
  const exe = chromiumPath();
  if (!exe) throw new Error("chromium is not installed");
  const profile = await Deno.makeTempDir({ prefix: "jinpy-chromium-" });
  const child = new Deno.Command(exe, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      `--window-size=${width},${height}`,
      "about:blank",
    ],
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  let port = "";
  for (let i = 0; i < 200 && !port; i++) {
    try {
      port = (await Deno.readTextFile(`${profile}/DevToolsActivePort`)).split("\n")[0];
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const kill = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  if (!port) {
    await kill();
    throw new Error("chromium did not open its debugging port");
  }
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as {
    type: string;
    webSocketDebuggerUrl: string;
  }[];
  const page = targets.find((t) => t.type === "page");
  if (!page) {
    await kill();
    throw new Error("no page target");
  }
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map<number, (msg: { result?: unknown; error?: { message: string } }) => void>();
  const consoleLines: string[] = [];
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data));
    if (msg.id !== undefined) pending.get(msg.id)?.(msg);
    else if (msg.method === "Runtime.consoleAPICalled") {
      consoleLines.push(msg.params.args.map((a: { value?: unknown }) => String(a.value)).join(" "));
    } else if (msg.method === "Runtime.exceptionThrown") {
      consoleLines.push("exception: " + JSON.stringify(msg.params.exceptionDetails));
    }
  };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const n = ++id;
      pending.set(n, (msg) => {
        pending.delete(n);
        if (msg.error) reject(new Error(msg.error.message));
        else resolve(msg.result as Record<string, unknown>);
      });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send("Runtime.enable");
  await send("Page.enable");
  await send("Page.navigate", { url });
  return {
    console: consoleLines,
    async evaluate<T>(expression: string): Promise<T> {
      const r = await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }) as {
        result: { value: T };
        exceptionDetails?: unknown;
      };
      if (r.exceptionDetails) throw new Error(`page error: ${JSON.stringify(r.exceptionDetails)}`);
      return r.result.value;
    },
    async screenshot(path: string) {
      const r = await send("Page.captureScreenshot", { format: "png" }) as { data: string };
      await Deno.writeFile(path, Uint8Array.from(atob(r.data), (c) => c.charCodeAt(0)));
    },
    async close() {
      try {
        ws.close();
      } catch {
        // Already closed.
      }
      await kill();
    },
  };
}
