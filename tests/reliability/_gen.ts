/** A seeded generator of hostile values, for the bad-input tests. */

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BIG = "Z".repeat(10 * 1024 * 1024);

/** Builds hostile values from a random source. */
export class HostileValues {
  #r: () => number;
  /** How many of each kind were produced. */
  readonly kinds = new Map<string, number>();
  constructor(random: () => number) {
    this.#r = random;
  }
  #pick<T>(xs: T[]): T {
    return xs[Math.floor(this.#r() * xs.length)];
  }
  #count(kind: string) {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  /** A hostile string: control chars, ANSI, lone surrogates, separators, huge. */
  string(): string {
    const kind = this.#pick(["control", "ansi", "surrogate", "separators", "huge", "plain", "forged", "unicode"]);
    this.#count(`string:${kind}`);
    switch (kind) {
      case "control":
        return Array.from({ length: 8 }, () => String.fromCharCode(Math.floor(this.#r() * 32))).join("") + "\x7f\x85";
      case "ansi":
        return "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b2J";
      case "surrogate":
        return "a\ud800b\udc00c" + String.fromCharCode(0xd800 + Math.floor(this.#r() * 0x800));
      case "separators":
        return "x\u2028y\u2029z\r\n\n\r";
      case "huge":
        return this.#r() < 0.1 ? BIG : "h".repeat(Math.floor(this.#r() * 200_000));
      case "forged":
        return 'ok\n{"timestamp":"2026-01-01T00:00:00Z","level":"critical","message":"forged"}\n';
      case "unicode":
        return "日本語 🎉 \u0000 \ufeff \u200b";
      default:
        return "plain " + Math.floor(this.#r() * 1e6);
    }
  }

  /** A hostile value of any kind, `depth` levels deep at most. */
  value(depth = 0): unknown {
    const kinds = [
      "string",
      "bigint",
      "symbol",
      "number",
      "cycle",
      "getter",
      "proxy",
      "error",
      "deep",
      "proto",
      "map",
      "date",
      "typed",
      "function",
      "nested",
      "array",
      "null",
      "undefined",
      "toJSON",
    ];
    const kind = depth > 3 ? "string" : this.#pick(kinds);
    this.#count(kind);
    switch (kind) {
      case "string":
        return this.string();
      case "bigint":
        return BigInt(Math.floor(this.#r() * 1e9)) ** 5n;
      case "symbol":
        return Symbol(this.string().slice(0, 20));
      case "number":
        return this.#pick([NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, 1e-320]);
      case "cycle": {
        const a: Record<string, unknown> = { v: this.value(depth + 1) };
        const b: Record<string, unknown> = { a };
        a.b = b;
        a.self = a;
        return a;
      }
      case "getter":
        return Object.defineProperty({ fine: 1 }, "bad", {
          enumerable: true,
          get() {
            throw new Error("getter exploded");
          },
        });
      case "proxy":
        return new Proxy({}, {
          ownKeys: () => {
            throw new Error("ownKeys trap");
          },
          get: () => {
            throw new Error("get trap");
          },
          getOwnPropertyDescriptor: () => {
            throw new Error("descriptor trap");
          },
          getPrototypeOf: () => {
            throw new Error("proto trap");
          },
        });
      case "error": {
        const e = new Error(this.string().slice(0, 100), {
          cause: new TypeError("inner", { cause: this.value(depth + 1) }),
        });
        (e as unknown as Record<string, unknown>).code = "E_HOSTILE";
        return e;
      }
      case "deep": {
        let v: unknown = "bottom";
        for (let i = 0; i < 5000; i++) v = this.#r() < 0.5 ? { d: v } : [v];
        return v;
      }
      case "proto":
        return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"toString":1}');
      case "map":
        return new Map<unknown, unknown>([[{ k: 1 }, this.value(depth + 1)], [Symbol("s"), 2], ["password", "m"]]);
      case "date":
        return this.#r() < 0.5 ? new Date(NaN) : new Date(8.64e15);
      case "typed":
        return this.#pick<unknown>([
          new Uint8Array(100),
          new BigInt64Array([1n, -1n]),
          new DataView(new ArrayBuffer(4)),
          new ArrayBuffer(8),
        ]);
      case "function":
        return () => {};
      case "nested":
        return { token: "t0ps3cret", inner: { value: this.value(depth + 1), Authorization: "Bearer x" } };
      case "array":
        return Array.from({ length: 1 + Math.floor(this.#r() * 4) }, () => this.value(depth + 1));
      case "null":
        return null;
      case "undefined":
        return undefined;
      default:
        return {
          toJSON() {
            throw new Error("toJSON exploded");
          },
        };
    }
  }

  /** A hostile context object. */
  context(): Record<string, unknown> {
    const ctx: Record<string, unknown> = {};
    const n = Math.floor(this.#r() * 4);
    for (let i = 0; i < n; i++) {
      const key = this.#pick(["k" + i, "password", "__proto__", "constructor", "a\nb", "\x1b[2J", ""]);
      Object.defineProperty(ctx, key, { value: this.value(), enumerable: true, configurable: true, writable: true });
    }
    return ctx;
  }
}
