/**
 * Which backends are being replaced right now (a logger or the global set
 * reconfigured): their successors, built meanwhile, may take over their
 * spool even when they deliver with other credentials (a rotated token).
 */
let replacing: ReadonlySet<object> = new Set();

/** Runs `build` while `old` backends are being replaced by what it builds. */
export function whileReplacing<T>(old: Iterable<object> | undefined, build: () => T): T {
  if (old === undefined) return build();
  const before = replacing;
  replacing = new Set([...before, ...old]);
  try {
    return build();
  } finally {
    replacing = before;
  }
}

/** Whether `backend` is being replaced by the backends under construction. */
export function isBeingReplaced(backend: object): boolean {
  return replacing.has(backend);
}
