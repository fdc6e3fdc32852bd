/** Where a command reads and writes: the process by default, buffers in tests. */
import type { Readable, Writable } from 'node:stream';

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
    stdin: process.stdin,
    env: process.env,
    interactive: process.stderr.isTTY === true,
  };
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(`${line}\n`);
}

export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
