/** Bounded waiting for the reliability scenarios. */

/** Resolves when `p` settles or after `ms`, whichever is first; never keeps the process alive after. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let id: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => id = setTimeout(() => resolve(undefined), ms))]);
  } finally {
    clearTimeout(id);
  }
}
