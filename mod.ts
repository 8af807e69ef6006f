/**
 * A structured logger for Deno, Bun and Node: console, rotating gzip files,
 * batching REST and WebSocket backends that lose nothing, and the same wire
 * records as the Python edition (`jinpy_utils.logger`).
 *
 * @example Quick start
 * ```ts
 * import { getLogger } from "@jinpy/logger";
 *
 * const logger = getLogger("app");
 * logger.info("Application started", { port: 8080 });
 * logger.bind({ request_id: "r-1" }).warning("slow request", { ms: 1200 });
 * await logger.shutdown();
 * ```
 *
 * @module
 */
export { type LevelInput, type LevelName, levelName, LogLevel, type LogLevelValue, parseLevel } from "./src/levels.ts";
export {
  LoggerBackendError,
  LoggerConfigurationError,
  LoggerConnectionError,
  LoggerError,
  type LoggerErrorOptions,
  LoggerSecurityError,
  LoggerWebSocketError,
} from "./src/errors.ts";
export { LogEntry, type LogRecord } from "./src/record.ts";
export {
  type BackendConfig,
  type BackendConfigBase,
  type BuiltinBackendType,
  type ConsoleBackendConfig,
  type CustomBackendConfig,
  type FileBackendConfig,
  type LoggerConfig,
  type LoggerConfigInput,
  type NormalizedBackendConfig,
  type NormalizedLoggerConfig,
  type OutputFormat,
  type PayloadFormat,
  type PythonBackendConfig,
  type PythonLoggerConfig,
  type RestApiBackendConfig,
  type SnakeCase,
  type WebSocketBackendConfig,
  type WithSnakeCase,
} from "./src/config/config.ts";
export { normalizeBackendConfig, normalizeLoggerConfig } from "./src/config/_schema.ts";
export { type BackendInterface, type BackendStats, BaseBackend } from "./src/backends/base.ts";
export { ConsoleBackend } from "./src/backends/console.ts";
export { RestApiBackend } from "./src/backends/rest_api.ts";
export { decryptPayload, encryptPayload } from "./src/crypto.ts";
export { WebSocketBackend } from "./src/backends/websocket.ts";
export { FileBackend } from "./src/backends/file.ts";
export { type BackendConstructor, BackendFactory } from "./src/factory.ts";
export {
  getGlobalConfig,
  getLogger,
  type LogContext,
  Logger,
  type LoggerStats,
  setGlobalConfig,
  shutdownAll,
} from "./src/logger.ts";
export { configureFromEnv, createCloudConfig, createDevelopmentConfig, createProductionConfig } from "./src/presets.ts";
export { compileStrftime } from "./src/strftime.ts";
