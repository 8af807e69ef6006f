/** A backend that keeps records in memory, for tests. */
import { BackendFactory, BaseBackend, type LogEntry } from "../mod.ts";

export class MemoryBackend extends BaseBackend {
  static last: MemoryBackend | undefined;
  entries: LogEntry[] = [];
  lines: string[] = [];
  constructor(config: Record<string, unknown>) {
    super(config);
    MemoryBackend.last = this;
  }
  protected override write(formatted: string, entry: LogEntry): void {
    this.entries.push(entry);
    this.lines.push(formatted);
    this.stats.messagesWritten++;
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l));
  }
}

BackendFactory.registerBackendType("memory", MemoryBackend);

/** The memory backend of a logger. */
export function memoryOf(logger: { getBackends(): unknown[] }, index = 0): MemoryBackend {
  const b = logger.getBackends().filter((x) => x instanceof MemoryBackend)[index];
  if (!(b instanceof MemoryBackend)) throw new Error("no memory backend");
  return b;
}
