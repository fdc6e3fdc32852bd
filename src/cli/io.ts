/** Where a command reads and writes: the process by default, buffers in tests. */
import type { Readable, Writable } from 'node:stream';
import { terminalSafe } from './render.ts';

export interface CommandIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  /** Environment variables (process.env by default). */
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (progress, colours). */
  interactive: boolean;
}

export function processIO(): CommandIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Read when a command reads its input (`put ... -`, --password-stdin), not at start: the first read
    // of process.stdin opens it, and when it is a file (or /dev/null) that loads node:fs's streams,
    // with them node:fs/promises and readline's interface: ~5 M instructions per process (callgrind).
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    interactive: process.stderr.isTTY === true,
  };
}

/** Writes text output (made terminal-safe: see terminalSafe). */
export function writeLine(stream: Writable, line: string): void {
  stream.write(`${terminalSafe(line, { multiline: true })}\n`);
}

/**
 * `stream` with every string written to it made terminal-safe (newlines and tabs kept): the CLI's
 * stderr, so that no warning, note or error can carry a registry's or a user's control characters.
 * Bytes pass as they are (the bulk progress bar's own carriage return).
 */
export function terminalSafeStream(stream: Writable): Writable {
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean)(
            typeof chunk === 'string' ? terminalSafe(chunk, { multiline: true }) : chunk,
            ...rest,
          );
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
