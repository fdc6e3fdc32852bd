// Assertions on CLI runs shared by the signing and trust-policy tests.
import assert from 'node:assert/strict';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit 0; returns standard output. */
export function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Exit 9 (verification failed), nothing on stdout, and a JSON error (from --json) with `code` on
 * stderr. Returns the error's message and hint, one per line.
 */
export function failsWith(result: CliResult, code: string, what: string): string {
  assert.equal(result.code, 9, `${what}: expected exit 9, got ${result.code}: ${result.stderr}`);
  assert.equal(result.stdout, '', `${what}: nothing printed`);
  const line = result.stderr
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{"error"'));
  assert.ok(line, `${what}: a JSON error on stderr: ${result.stderr}`);
  const error = (JSON.parse(line) as { error: { code: string; message: string; hint?: string } }).error;
  assert.equal(error.code, code, `${what}: ${error.message}`);
  return `${error.message}\n${error.hint ?? ''}`;
}
