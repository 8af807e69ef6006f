/**
 * The peer loggers, loaded from `bench/peers/node_modules` through their
 * CommonJS builds (the one way that works alike on Deno, Bun and Node), with
 * just enough typing for the cases.
 */
import { loadPeer } from "./_common.ts";

/** A pino logger. */
export interface PinoLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  debug(obj: Record<string, unknown>, msg: string): void;
}
/** A sonic-boom destination. */
export interface PinoDestination {
  flush(cb?: (err?: Error | null) => void): void;
  flushSync(): void;
  end(): void;
  on(event: string, fn: (...a: unknown[]) => void): void;
}
/** The pino module. */
export interface Pino {
  (options: Record<string, unknown>, destination?: PinoDestination): PinoLogger;
  destination(options: { dest: string | number; sync: boolean; minLength?: number }): PinoDestination;
}

/** A LogTape logger. */
export interface LogTapeLogger {
  info(message: string, properties?: Record<string, unknown>): void;
  debug(message: string, properties?: Record<string, unknown>): void;
}
/** The @logtape/logtape module. */
export interface LogTape {
  configure(config: Record<string, unknown>): Promise<void>;
  dispose(): Promise<void>;
  getLogger(category: string[]): LogTapeLogger;
  jsonLinesFormatter: unknown;
  getConsoleSink(options?: Record<string, unknown>): unknown;
}
/** The @logtape/file module. */
export interface LogTapeFile {
  getFileSink(path: string, options?: Record<string, unknown>): unknown;
  getStreamFileSink(path: string, options?: Record<string, unknown>): unknown;
}

/** A winston transport. */
export interface WinstonTransport {
  on(event: string, fn: (...a: unknown[]) => void): void;
}
/** A winston logger. */
export interface WinstonLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  end(): void;
  on(event: string, fn: (...a: unknown[]) => void): void;
}
/** The winston module. */
export interface Winston {
  createLogger(options: Record<string, unknown>): WinstonLogger;
  format: {
    combine(...f: unknown[]): unknown;
    timestamp(): unknown;
    json(): unknown;
  };
  transports: {
    File: new (options: Record<string, unknown>) => WinstonTransport;
    Console: new (options?: Record<string, unknown>) => WinstonTransport;
  };
}

/** pino, or undefined (skip reported). */
export const pino = (impl: string): Pino | undefined => loadPeer<Pino>("pino", impl);
/** @logtape/logtape, or undefined (skip reported). */
export const logtape = (impl: string): LogTape | undefined => loadPeer<LogTape>("@logtape/logtape", impl);
/** @logtape/file, or undefined (skip reported). */
export const logtapeFile = (impl: string): LogTapeFile | undefined => loadPeer<LogTapeFile>("@logtape/file", impl);
/** winston, or undefined (skip reported). */
export const winston = (impl: string): Winston | undefined => loadPeer<Winston>("winston", impl);

/** Waits until a pino destination has written everything, then closes it. */
export function endPino(dest: PinoDestination): Promise<void> {
  return new Promise((resolve, reject) => {
    dest.flush((err) => {
      if (err) return reject(err);
      dest.on("close", () => resolve());
      dest.end();
    });
  });
}
