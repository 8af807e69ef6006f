/**
 * The logger with the console backend only: everything of `@jinpy/logger`
 * except the file, REST and WebSocket backends, so that importing it loads
 * no file, network, crypto or gzip code. Add backend types by importing
 * `@jinpy/logger/file`, `@jinpy/logger/rest` or `@jinpy/logger/websocket`.
 *
 * @example
 * ```ts
 * import { getLogger } from "@jinpy/logger/core";
 *
 * const logger = getLogger("app", { backends: [{ type: "console", format: "json" }] });
 * logger.info("Application started", { port: 8080 });
 * ```
 *
 * @module
 */
export { type LevelInput, type LevelName, levelName, LogLevel, type LogLevelValue, parseLevel } from "../levels.ts";
export {
  LoggerBackendError,
  LoggerConfigurationError,
  LoggerConnectionError,
  LoggerError,
  type LoggerErrorOptions,
  LoggerSecurityError,
  LoggerWebSocketError,
} from "../errors.ts";
export { LogEntry, type LogRecord } from "../record.ts";
export type {
  BackendConfig,
  BackendConfigBase,
  BuiltinBackendType,
  ConsoleBackendConfig,
  CustomBackendConfig,
  FileBackendConfig,
  LoggerConfig,
  LoggerConfigInput,
  NormalizedBackendConfig,
  NormalizedLoggerConfig,
  OutputFormat,
  PayloadFormat,
  PythonBackendConfig,
  PythonLoggerConfig,
  RestApiBackendConfig,
  SnakeCase,
  WebSocketBackendConfig,
  WithSnakeCase,
} from "../config/config.ts";
export { normalizeBackendConfig, normalizeLoggerConfig } from "../config/_schema.ts";
export { type BackendInterface, type BackendStats, BaseBackend } from "../backends/base.ts";
export { ConsoleBackend } from "../backends/console.ts";
export { type BackendConstructor, BackendFactory } from "../factory.ts";
export {
  getGlobalConfig,
  getLogger,
  type LogContext,
  Logger,
  type LoggerStats,
  setGlobalConfig,
  shutdownAll,
} from "../logger.ts";
export { Lazy, lazy } from "../lazy.ts";
export type { FilterCounters } from "../filters.ts";
export { configureFromEnv, createCloudConfig, createDevelopmentConfig, createProductionConfig } from "../presets.ts";
export { compileStrftime } from "../strftime.ts";
