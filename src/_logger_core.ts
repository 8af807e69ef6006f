/**
 * A logger's shared state (`Core`): what the registry points it at, its
 * serializer and counters; and the `Seed` by which `getLogger` and `bind`
 * hand that state to the `Logger` constructor.
 */
import type { BackendInterface, BaseBackend } from "./backends/base.ts";
import type { NormalizedLoggerConfig } from "./config/config.ts";
import { contextFields } from "./context.ts";
import { gate } from "./_level_gate.ts";
import type { LogContext, Logger } from "./logger.ts";
import type { BackendSet, Member } from "./_registry.ts";
import { Serializer } from "./serialize.ts";

type Context = LogContext;

/**
 * State shared by a logger and the children made with `bind`; the registry
 * points it at the backends and level it follows.
 */
export class Core implements Member {
  readonly name: string;
  own: BackendSet | undefined = undefined;
  ownLevel: number | undefined = undefined;
  pinned = false;
  set: BackendSet | undefined = undefined;
  level = 20;
  /** The lowest level any path takes: max(logger level, lowest backend level). */
  threshold = 0;
  backends: BaseBackend[] = [];
  /** What records are handed to: the backends, or the backends behind their filters. */
  sinks: BackendInterface[] = [];
  serializer: Serializer = new Serializer();
  baseContext: Context | undefined = undefined;
  correlationId: string | null = null;
  wantSource = false;
  logged = 0;
  droppedAfterShutdown = 0;
  droppedReentrant = 0;
  backendErrors = 0;
  closing: Promise<void> | undefined = undefined;
  /** The logger `getLogger` returns for this name; its level methods are gated on `threshold`. */
  owner: Logger | undefined = undefined;
  gated: Logger | undefined = undefined;
  #config: NormalizedLoggerConfig | undefined = undefined;

  constructor(name: string) {
    this.name = name;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  use(set: BackendSet, level: number): void {
    const config = set.config;
    if (config !== this.#config) {
      this.#config = config;
      this.serializer = new Serializer(config);
      this.baseContext = Object.keys(config.context).length > 0 ? contextFields(config.context) : undefined;
    }
    this.level = level;
    this.backends = set.backends;
    this.sinks = set.sinks;
    this.wantSource = set.backends.some((b) => b.config.showSource === true);
    this.threshold = thresholdOf(this);
    if (this.gated !== undefined) gate(this.gated, this.threshold);
  }
}

/** Passed to the constructor by `getLogger` and `bind` (never by users). */
export class Seed {
  readonly core: Core;
  readonly bound: Context | undefined;
  readonly child: boolean;
  constructor(core: Core, bound: Context | undefined, child: boolean) {
    this.core = core;
    this.bound = bound;
    this.child = child;
  }
}

function thresholdOf(core: Core): number {
  let lowest = Infinity;
  for (const b of core.backends) {
    if (b.config.enabled && b.level < lowest) lowest = b.level;
  }
  return Math.max(core.level, lowest);
}
