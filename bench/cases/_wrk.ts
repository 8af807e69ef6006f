/** Where `wrk` is: on the PATH or in the usual places; undefined when missing. */
import { existsSync } from "node:fs";
import process from "node:process";

/** The path of the `wrk` binary, or undefined. */
export function findWrk(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/local/bin"];
  for (const d of dirs) {
    if (d !== "" && existsSync(`${d}/wrk`)) return `${d}/wrk`;
  }
  return undefined;
}
