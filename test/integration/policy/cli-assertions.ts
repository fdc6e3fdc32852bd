// Running the CLI in-process, and assertions on its runs, shared by the signing and trust-policy tests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../../src/cli/main.ts';
import type { ClientOptions } from '../../../src/open/client-options.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env: Record<string, string | undefined>;
  /** Standard input (default: empty). */
  input?: string | undefined;
  client?: ClientOptions | undefined;
  /** The CLI's clock (e.g. to make a signature expire). */
  now?: (() => Date) | undefined;
  /** Adds --no-validate to `put`: free-form content under well-known type names skips the kind validation. */
  noValidate?: boolean;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer | string) => chunks.push(Buffer.from(c)));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Runs the CLI in-process (`main`), non-interactive. */
export async function runCli(argv: readonly string[], options: RunCliOptions): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const args = options.noValidate === true && argv[0] === 'put' ? [...argv, '--no-validate'] : [...argv];
  const { client, now } = options;
  const code = await main(
    args,
    {
      stdout,
      stderr,
      stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
      env: options.env,
      interactive: false,
    },
    { ...(client === undefined ? {} : { client }), ...(now === undefined ? {} : { now }) },
  );
  stdout.end();
  stderr.end();
  return { code, stdout: out(), stderr: err() };
}

/** `key generate --out DIR/NAME` for each key, with its own extra flags, one after another. */
export async function generateKeys(
  run: (argv: string[]) => Promise<CliResult>,
  dir: string,
  keys: Record<string, readonly string[]>,
): Promise<void> {
  for (const [name, flags] of Object.entries(keys))
    ok(await run(['key', 'generate', '--out', join(dir, name), ...flags]), `key ${name}`);
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
