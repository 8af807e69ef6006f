/** The seed's "Custom Backend" example. Run: deno run examples/custom_backend.ts */
import { BackendFactory, BaseBackend, getLogger, type LogEntry } from "../mod.ts";

/** Custom backend implementation. */
class CustomBackend extends BaseBackend {
  readonly customConfig: Record<string, unknown> = this.config;

  /** Handle a log entry. */
  override handle(entry: LogEntry): void {
    if (this.shouldHandle(entry)) {
      const formatted = this.formatEntry(entry);
      // Your custom logic here
      this.sendToCustomDestination(formatted);
    }
  }

  /** Send message to custom destination. */
  sendToCustomDestination(message: string): void {
    console.log(`custom destination (custom_param=${this.customConfig.custom_param}): ${message}`);
  }

  /** Clean up resources. */
  override shutdown(): Promise<void> {
    console.log("custom backend shut down");
    return Promise.resolve();
  }
}

// Register the custom backend
BackendFactory.registerBackendType("custom", CustomBackend);

// Use the custom backend
const logger = getLogger("custom_app", {
  backends: [{ type: "custom", level: "INFO", custom_param: "value" }],
});
logger.debug("below INFO: not sent");
logger.info("Hello from the custom backend");
await logger.shutdown();
