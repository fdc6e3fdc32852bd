/** The one top-level mapping of errors to what the user sees and the exit code. */
import { internalError, type ManifestoError } from '../errors/errors.ts';
import type { CommandIO } from './io.ts';
import { terminalSafe } from './render.ts';

export function toManifestoError(error: unknown): ManifestoError {
  return internalError(error);
}

/** Prints the error (one line, plus a hint line) and returns the exit code. */
export function reportError(
  error: unknown,
  io: CommandIO,
  options: { json: boolean; debug: boolean },
): number {
  const e = toManifestoError(error);
  if (options.json) {
    io.stderr.write(`${JSON.stringify({ error: e.toJSON() })}\n`);
  } else {
    // One line each, whatever the message echoes (control characters and newlines escaped).
    io.stderr.write(`manifesto: error: ${terminalSafe(e.message)}\n`);
    if (e.hint) io.stderr.write(`  hint: ${terminalSafe(e.hint)}\n`);
  }
  if (options.debug) {
    const detail = e.category === 'internal' && e.cause instanceof Error ? e.cause : e;
    io.stderr.write(`${detail.stack ?? String(detail)}\n`);
  }
  return e.exitCode;
}
