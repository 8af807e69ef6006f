import type { LoggerConfig } from "./config/config.ts";
import type { LevelInput } from "./levels.ts";
import { LoggerConfigurationError } from "./errors.ts";
import { getEnv, getEnvWithPrefix, hasPermission } from "./runtime/runtime.ts";
import { reportOnce } from "./report.ts";
import { setGlobalConfig } from "./logger.ts";

/**
 * Development preset: colored console at DEBUG.
 *
 * @returns A logger config.
 *
 * @example
 * ```ts
 * import { createDevelopmentConfig, getLogger } from "@jinpy/logger";
 * getLogger("dev", createDevelopmentConfig()).debug("visible in development");
 * ```
 */
export function createDevelopmentConfig(): LoggerConfig {
  return {
    level: "debug",
    environment: "development",
    backends: [{ type: "console", name: "dev_console", level: "debug", useColors: true, format: "console" }],
  };
}

/**
 * Production preset: JSON lines on the console and a rotating, gzipped JSON
 * file (`logs/app.log`, 100 MB, 10 backups), both at INFO, written off the
 * logging path.
 *
 * @param filePath Where the file goes. Default `"logs/app.log"`.
 * @returns A logger config.
 *
 * @example
 * ```ts
 * import { createProductionConfig, getLogger } from "@jinpy/logger";
 * const logger = getLogger("app", createProductionConfig("/tmp/app.log"));
 * logger.info("Application running");
 * await logger.shutdown();
 * ```
 */
export function createProductionConfig(filePath = "logs/app.log"): LoggerConfig {
  return {
    level: "info",
    environment: "production",
    backends: [
      { type: "console", name: "prod_console", level: "info", format: "json" },
      {
        type: "file",
        name: "prod_file",
        level: "info",
        filePath,
        maxSizeMb: 100,
        backupCount: 10,
        compression: true,
        asyncEnabled: true,
        format: "json",
      },
    ],
  };
}

/**
 * Cloud preset: batches to a REST endpoint with a bearer key.
 *
 * @param apiUrl The endpoint URL.
 * @param apiKey The API key, sent as `Authorization: Bearer <key>` and never logged.
 * @returns A logger config.
 *
 * @example
 * ```ts
 * import { createCloudConfig } from "@jinpy/logger";
 * const config = createCloudConfig("https://logs.example.com/api/v1/logs", "k-123");
 * console.log(config.backends?.[0].type); // "rest_api"
 * ```
 */
export function createCloudConfig(apiUrl: string, apiKey: string): LoggerConfig {
  return {
    level: "info",
    environment: "cloud",
    backends: [{
      type: "rest_api",
      name: "cloud_api",
      level: "info",
      endpoint: apiUrl,
      headers: { Authorization: `Bearer ${apiKey}` },
      batchSize: 100,
      batchTimeout: 5,
    }],
  };
}

/** The variables `configureFromEnv` reads, after the prefix. */
const ENV_NAMES = [
  "LEVEL",
  "BACKENDS",
  "FORMAT",
  "FILE_PATH",
  "API_URL",
  "API_KEY",
  "WS_URL",
  "APP_NAME",
  "ENVIRONMENT",
  "VERSION",
] as const;

/**
 * Builds the global config from environment variables and sets it:
 * `<prefix>LEVEL`, `<prefix>BACKENDS` (comma list of console, file, rest_api,
 * websocket), `<prefix>FORMAT` (console format), `<prefix>FILE_PATH`,
 * `<prefix>API_URL`, `<prefix>API_KEY`, `<prefix>WS_URL`, `<prefix>APP_NAME`,
 * `<prefix>ENVIRONMENT`, `<prefix>VERSION`. Unset variables keep the
 * defaults. Without env access (Deno without `--allow-env`) the variables
 * cannot be read: that is said once on stderr, naming the permission.
 *
 * @param prefix Variable name prefix. Default `"LOGGER_"`.
 * @returns The config that was set.
 * @throws {LoggerConfigurationError} On invalid values.
 *
 * @example
 * ```ts
 * import { configureFromEnv, getLogger } from "@jinpy/logger";
 * configureFromEnv("LOGGER_");
 * getLogger("app").info("configured from the environment");
 * ```
 */
export function configureFromEnv(prefix = "LOGGER_"): LoggerConfig<string> {
  const env = getEnvWithPrefix(prefix);
  const names = ENV_NAMES.map((k) => prefix + k);
  // Deno without --allow-env: say so once instead of ignoring the variables in silence.
  // (A grant for some of the variables is deliberate and not reported.)
  if (names.every((n) => !hasPermission("env", n))) {
    reportOnce(
      `env-permission:${prefix}`,
      `configureFromEnv cannot read ${prefix}* variables (${prefix}LEVEL, ${prefix}BACKENDS, …): the env permission is ` +
        `missing, so none is applied; run Deno with --allow-env (or --allow-env=${names.join(",")})`,
    );
  }
  const get = (k: string): string | undefined => {
    const v = env[prefix + k] ?? getEnv(prefix + k);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const config: LoggerConfig<string> = {};
  const level = get("LEVEL");
  // Checked when the config is set.
  if (level) config.level = level as LevelInput;
  if (get("APP_NAME")) config.appName = get("APP_NAME");
  if (get("ENVIRONMENT")) config.environment = get("ENVIRONMENT");
  if (get("VERSION")) config.version = get("VERSION");
  const types = (get("BACKENDS") ?? "console").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const backends: NonNullable<LoggerConfig<string>["backends"]> = [];
  for (const type of types) {
    if (type === "console") {
      const format = get("FORMAT");
      backends.push(format ? { type: "console", format: format as "json" } : { type: "console" });
    } else if (type === "file") {
      backends.push({ type: "file", filePath: get("FILE_PATH") ?? "logs/app.log" });
    } else if (type === "rest_api" || type === "rest") {
      const endpoint = get("API_URL");
      if (!endpoint) {
        throw new LoggerConfigurationError(`${prefix}BACKENDS names rest_api but ${prefix}API_URL is not set`, {
          details: { key: `${prefix}API_URL` },
        });
      }
      const key = get("API_KEY");
      backends.push({ type: "rest_api", endpoint, headers: key ? { Authorization: `Bearer ${key}` } : {} });
    } else if (type === "websocket" || type === "ws") {
      const endpoint = get("WS_URL");
      if (!endpoint) {
        throw new LoggerConfigurationError(`${prefix}BACKENDS names websocket but ${prefix}WS_URL is not set`, {
          details: { key: `${prefix}WS_URL` },
        });
      }
      backends.push({ type: "websocket", endpoint });
    } else {
      backends.push({ type });
    }
  }
  config.backends = backends;
  setGlobalConfig(config);
  return config;
}
