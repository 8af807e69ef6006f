/** Forces a full garbage collection where the runtime allows it; false when it cannot. */
export async function collectGarbage(): Promise<boolean> {
  const g = globalThis as unknown as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  // WeakRef targets live until the end of the current job.
  await new Promise((r) => setTimeout(r, 0));
  if (g.Bun) {
    g.Bun.gc(true);
    return true;
  }
  if (typeof g.gc === "function") {
    g.gc();
    return true;
  }
  try {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as unknown;
    if (typeof gc !== "function") return false;
    (gc as () => void)();
    return true;
  } catch {
    return false;
  }
}
