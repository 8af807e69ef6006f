import type { BaseBackend } from "./backends/base.ts";
import { ConsoleBackend } from "./backends/console.ts";
import type { NormalizedBackendConfig } from "./config/config.ts";
import { BACKEND_SCHEMAS, normalizeBackendConfig } from "./config/_schema.ts";
import { didYouMean } from "./config/_suggest.ts";
import { LoggerConfigurationError } from "./errors.ts";

/**
 * A backend class the factory can construct from a config.
 *
 * @example
 * ```ts
 * import { ConsoleBackend, type BackendConstructor } from "@jinpy/logger";
 * const ctor: BackendConstructor = ConsoleBackend;
 * ```
 */
export type BackendConstructor = new (config: NormalizedBackendConfig) => BaseBackend;

/**
 * Backend types by name. Console is always here; the others register
 * themselves when their module is imported (`@jinpy/logger/file`, `/rest`,
 * `/websocket`, or the root module, which imports all of them).
 */
const registry = new Map<string, BackendConstructor>([["console", ConsoleBackend]]);

/** Where each built-in type that is not loaded yet lives. */
const BUILT_IN_MODULES: Record<string, string> = {
  file: "@jinpy/logger/file",
  rest_api: "@jinpy/logger/rest",
  websocket: "@jinpy/logger/websocket",
};

/**
 * Creates backends from configs and keeps the table of backend types.
 *
 * @example
 * ```ts
 * import { BackendFactory } from "@jinpy/logger";
 * const backend = BackendFactory.createBackend({ type: "console", level: "INFO" });
 * console.log(backend.isHealthy(), BackendFactory.getRegisteredTypes());
 * ```
 */
export class BackendFactory {
  /**
   * Creates a backend from its config (any dialect).
   *
   * @param config The backend config.
   * @returns The backend.
   * @throws {LoggerConfigurationError} For an unknown type or an invalid key.
   */
  static createBackend(config: unknown, index?: number): BaseBackend {
    const normalized = normalizeBackendConfig(config, index);
    const ctor = registry.get(normalized.type);
    if (ctor === undefined && BUILT_IN_MODULES[normalized.type] !== undefined) {
      const at = index === undefined ? "backend" : `backends[${index}]`;
      const module = BUILT_IN_MODULES[normalized.type];
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${at}: the "${normalized.type}" backend is not loaded; add an import of ${module} (or of @jinpy/logger) first`,
        {
          details: { at, key: "type", given: normalized.type, registered: [...registry.keys()] },
          suggestions: [`Import ${module} once, before the first getLogger that uses "${normalized.type}"`],
        },
      );
    }
    if (ctor === undefined) {
      const guess = didYouMean(normalized.type, new Set([...registry.keys(), ...Object.keys(BACKEND_SCHEMAS)]));
      const at = index === undefined ? "backend" : `backends[${index}]`;
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${at}: unknown backend type ${JSON.stringify(normalized.type)}${
          guess ? `; did you mean "${guess}"?` : ""
        }`,
        {
          details: { at, key: "type", given: normalized.type, registered: [...registry.keys()] },
          suggestions: [
            `Registered types: ${[...registry.keys()].join(", ")}`,
            "Register your own with BackendFactory.registerBackendType(type, BackendClass)",
          ],
        },
      );
    }
    return new ctor(normalized);
  }

  /**
   * Registers (or replaces) a backend type.
   *
   * @param type The `type` value configs use.
   * @param ctor The backend class.
   */
  static registerBackendType(type: string, ctor: BackendConstructor): void {
    if (typeof type !== "string" || type === "" || typeof ctor !== "function") {
      throw new LoggerConfigurationError("registerBackendType needs a type name and a backend class", {
        details: { type: String(type) },
      });
    }
    registry.set(type, ctor);
  }

  /**
   * The registered backend types.
   *
   * @returns e.g. `["console", "file", "rest_api", "websocket"]`.
   */
  static getRegisteredTypes(): string[] {
    return [...registry.keys()];
  }
}
