import { test } from "node:test";
import assert from "node:assert/strict";
import { BackendFactory, BaseBackend, getLogger, type LogEntry, LoggerConfigurationError } from "../mod.ts";

// The seed's custom backend example, in TypeScript.
const sent: string[] = [];
let shutdownCalled = false;

class CustomBackend extends BaseBackend {
  customConfig: Record<string, unknown>;

  constructor(config: Record<string, unknown>) {
    super(config);
    this.customConfig = this.config;
  }

  override handle(entry: LogEntry): void {
    if (this.shouldHandle(entry)) {
      const formatted = this.formatEntry(entry);
      this.sendToCustomDestination(formatted);
    }
  }

  sendToCustomDestination(message: string): void {
    sent.push(message);
  }

  override shutdown(): Promise<void> {
    shutdownCalled = true;
    return Promise.resolve();
  }
}

test("the seed's custom backend example works, with custom_param readable on config", async () => {
  BackendFactory.registerBackendType("custom", CustomBackend);
  assert.ok(BackendFactory.getRegisteredTypes().includes("custom"));
  assert.ok(BackendFactory.getRegisteredTypes().includes("console"));
  const logger = getLogger("custom_app", {
    backends: [{ type: "custom", level: "INFO", custom_param: "value" }],
  });
  const backend = logger.getBackends()[0] as CustomBackend;
  assert.equal(backend.config.custom_param, "value");
  assert.equal(backend.customConfig.customParam, "value");
  logger.debug("below INFO");
  logger.info("to the custom destination");
  assert.equal(sent.length, 1);
  assert.equal(JSON.parse(sent[0]).message, "to the custom destination");
  await logger.shutdown();
  assert.equal(shutdownCalled, true);
});

test("BackendFactory.createBackend builds a backend from a config, as in the seed's lifecycle example", () => {
  const backend = BackendFactory.createBackend({ type: "console", level: "INFO" });
  assert.equal(backend.constructor.name, "ConsoleBackend");
  assert.equal(backend.level, 20);
  assert.equal(backend.isHealthy(), true);
});

test("an unknown backend type is rejected with a message naming it and a suggestion", () => {
  assert.throws(
    () => getLogger("bad-type", { backends: [{ type: "consol" }] }),
    (e: unknown) =>
      e instanceof LoggerConfigurationError && /"consol"/.test(e.message) && /did you mean "console"/.test(e.message) &&
      /backends\[0\]/.test(e.message),
  );
});

test("a backend without handle() or write() fails loudly in stats, not in the caller", () => {
  class Incomplete extends BaseBackend {}
  BackendFactory.registerBackendType("incomplete", Incomplete);
  const logger = getLogger("incomplete-app", { backends: [{ type: "incomplete" }] });
  logger.info("x");
  const b = logger.getBackends()[0];
  assert.equal(b.isHealthy(), false);
  assert.match(String(b.getStats().lastError), /must override handle\(\) or write\(\)/);
});
