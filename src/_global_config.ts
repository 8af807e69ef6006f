/**
 * The process-wide entry points: the global config that loggers without one
 * follow, and shutting every logger and the shared backends down.
 */
import type { LoggerConfigInput, NormalizedLoggerConfig } from "./config/config.ts";
import { normalizeLoggerConfig } from "./config/_schema.ts";
import type { Core } from "./_logger_core.ts";
import { registry } from "./_registry.ts";

/**
 * Sets the config used by loggers created without one, and moves the loggers
 * that already follow it onto the new config. `loggers` sets the level (and
 * optionally backends and context) of categories and their descendants.
 *
 * @param config The config (any dialect).
 * @throws {LoggerConfigurationError} When the config is invalid (nothing changes then).
 *
 * @example
 * ```ts
 * import { getLogger, setGlobalConfig } from "@jinpy/logger";
 * setGlobalConfig({
 *   level: "info",
 *   backends: [{ type: "console", format: "json" }],
 *   loggers: { "app.db": { level: "debug" }, "noisy.lib": { level: "warning" } },
 * });
 * getLogger("app.db.pool").debug("connected"); // written: app.db is at DEBUG
 * ```
 */
export function setGlobalConfig<T extends string = never>(config: LoggerConfigInput<T>): void {
  registry.setGlobal(normalizeLoggerConfig(config));
}

/**
 * The global config, normalized, or undefined when none was set.
 *
 * @example
 * ```ts
 * import { getGlobalConfig } from "@jinpy/logger";
 * console.log(getGlobalConfig()?.level);
 * ```
 */
export function getGlobalConfig(): NormalizedLoggerConfig | undefined {
  return registry.globalConfig;
}

/**
 * Flushes and shuts down every cached logger and the global config's
 * backends.
 *
 * @example
 * ```ts
 * import { getLogger, shutdownAll } from "@jinpy/logger";
 * getLogger("app").info("bye");
 * await shutdownAll();
 * ```
 */
export async function shutdownAll(): Promise<void> {
  await Promise.all(registry.members().map((m) => (m as Core).owner?.shutdown()));
  await registry.shutdownShared();
}
