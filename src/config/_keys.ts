/** The shape of a key table entry, the keys every backend has, and typed reads of a normalized config. */
import type { NormalizedBackendConfig } from "./config.ts";

/** What a key's value must be. */
export type Kind =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "level"
  | "headers"
  | "strings"
  | "object"
  | "patterns"
  | "any";

/** One key of a key table: its kind, bounds, allowed values and default (written only here). */
export interface KeySpec {
  kind: Kind;
  min?: number;
  values?: readonly string[];
  default?: unknown;
  secret?: boolean;
  /** What `null` means for this key (the Python edition's `None`); without it, `null` takes the default. */
  nullMeans?: unknown;
}

/** A backend type's keys. */
export type KeyTable = Record<string, KeySpec>;

/** The text formats a backend writes. */
export const FORMATS = ["console", "json", "plain", "structured"] as const;

/** A text format. */
export type Format = typeof FORMATS[number];

/** The keys every built-in backend has. */
export const COMMON: KeyTable = {
  type: { kind: "string" },
  name: { kind: "string" },
  level: { kind: "level" },
  enabled: { kind: "boolean", default: true },
  // Per-backend filters, checked where they are built (src/filters.ts).
  fingersCrossed: { kind: "any" },
  sample: { kind: "any" },
  rateLimit: { kind: "any" },
};

/**
 * Typed reads of a config that normalization has checked against its key
 * table and filled with the table's defaults. A value of the wrong type means
 * the config bypassed normalization: that is a bug, reported as one.
 */
export class Read {
  readonly #c: NormalizedBackendConfig;
  constructor(config: NormalizedBackendConfig) {
    this.#c = config;
  }
  #fail(key: string): never {
    throw new TypeError(`${this.#c.type} backend: option "${key}" was not normalized`);
  }
  #opt<T>(key: string, ok: (v: unknown) => v is T): T | undefined {
    const v = this.#c[key];
    if (v === undefined) return undefined;
    return ok(v) ? v : this.#fail(key);
  }
  /** A string key. */
  string<T extends string = string>(key: string): T {
    return this.optString<T>(key) ?? this.#fail(key);
  }
  /** A string key without a default. */
  optString<T extends string = string>(key: string): T | undefined {
    return this.#opt(key, (v): v is T => typeof v === "string");
  }
  /** A number key. */
  number(key: string): number {
    return this.optNumber(key) ?? this.#fail(key);
  }
  /** A number key without a default. */
  optNumber(key: string): number | undefined {
    return this.#opt(key, (v): v is number => typeof v === "number");
  }
  /** A boolean key. */
  boolean(key: string): boolean {
    return this.optBoolean(key) ?? this.#fail(key);
  }
  /** A boolean key without a default. */
  optBoolean(key: string): boolean | undefined {
    return this.#opt(key, (v): v is boolean => typeof v === "boolean");
  }
  /** A copy of a string-valued object key. */
  headers(key: string): Record<string, string> {
    const v = this.#opt(key, (v): v is Record<string, string> => typeof v === "object" && v !== null) ??
      this.#fail(key);
    return { ...v };
  }
  /** A copy of a string-array key. */
  strings(key: string): string[] {
    return [...(this.#opt(key, (v): v is string[] => Array.isArray(v)) ?? this.#fail(key))];
  }
  /** A key of any kind, as given. */
  any(key: string): unknown {
    return this.#c[key];
  }
}
