/**
 * Level-method gating: a logger made by `getLogger` gets own level methods,
 * the class's where the level is enabled and a shared no-op below the
 * threshold, so a disabled call costs an empty function call.
 */
import type { LogContext, Logger } from "./logger.ts";

type LevelMethod = (message: string, context?: LogContext) => void;
const LEVEL_METHODS: readonly (readonly [string, number])[] = [
  ["trace", 5],
  ["debug", 10],
  ["info", 20],
  ["warning", 30],
  ["warn", 30],
  ["error", 40],
  ["critical", 50],
  ["fatal", 50],
];
const skipRecord: LevelMethod = () => {};

/**
 * Gives a logger own level methods: the class's where the level is enabled,
 * a shared no-op below the threshold. A disabled call then costs what an
 * empty function call costs, with no comparison at all. Only instances of
 * `Logger` itself are gated, so their prototype is `Logger.prototype`.
 */
export function gate(logger: Logger, threshold: number): void {
  const own = logger as unknown as Record<string, LevelMethod>;
  const proto = Object.getPrototypeOf(logger) as Record<string, LevelMethod>;
  for (const [name, level] of LEVEL_METHODS) {
    const method = level >= threshold ? proto[name] : skipRecord;
    if (Object.hasOwn(own, name)) own[name] = method;
    else Object.defineProperty(own, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}
