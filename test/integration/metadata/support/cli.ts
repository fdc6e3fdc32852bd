// Runs the manifesto CLI for the metadata integration tests: in-process through `main` (fast, with an
// injectable clock), or as a real `node src/cli/bin.ts` process (races, stdin through a pipe).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../../../src/cli/main.ts';
import type { VersionJson } from '../../../../src/cli/render.ts';
import type { ClientOptions } from '../../../../src/open/client-options.ts';

export const BIN = resolve(import.meta.dirname, '..', '..', '..', '..', 'src', 'cli', 'bin.ts');

export interface CliResult {
  code: number;
  /** Standard output, byte for byte. */
  stdout: Buffer;
  stderr: string;
  /** Wall time of the run in ms. */
  ms: number;
}

export interface CliOptions {
  /** Standard input (empty when absent). */
  stdin?: string | Uint8Array | undefined;
  /** Environment; process.env when absent. */
  env?: Record<string, string | undefined> | undefined;
  /** Clock of the command (in-process runs only). */
  now?: (() => Date) | undefined;
  /** Client option overrides (in-process runs only). */
  client?: ClientOptions | undefined;
}

function collect(stream: PassThrough): () => Buffer {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
  return () => Buffer.concat(chunks);
}

/** Runs `main(argv)` in this process with buffer streams. */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const input = options.stdin === undefined ? [] : [Buffer.from(options.stdin)];
  const started = performance.now();
  const code = await main(
    [...argv],
    {
      stdout,
      stderr,
      stdin: Readable.from(input),
      env: options.env ?? process.env,
      interactive: false,
    },
    {
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.client === undefined ? {} : { client: options.client }),
    },
  );
  const ms = performance.now() - started;
  stdout.end();
  stderr.end();
  return { code, stdout: out(), stderr: err().toString('utf8'), ms };
}

/** Runs the CLI as a process: `node src/cli/bin.ts ...argv`. */
export function spawnCli(argv: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [BIN, ...argv], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin === undefined ? undefined : Buffer.from(options.stdin));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ms: performance.now() - started,
      });
    });
  });
}

/** Asserts exit 0 and returns stdout as text. */
export function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout.toString('utf8');
}

/** Asserts exit 0 and parses stdout as JSON. */
export function okJson<T>(result: CliResult, what: string): T {
  return JSON.parse(ok(result, what)) as T;
}

/**
 * Asserts a failure: exit `code`, nothing on stdout, and one clear error line on stderr (plus at most
 * one hint line). Returns the error line.
 */
export function failsWith(result: CliResult, code: number, what: string, pattern?: RegExp): string {
  assert.equal(
    result.code,
    code,
    `${what}: expected exit ${code}, got ${result.code}; stderr: ${result.stderr.trim()}`,
  );
  assert.equal(result.stdout.byteLength, 0, `${what}: nothing on stdout, got ${result.stdout.toString()}`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^manifesto: error: \S.*$/, `${what}: error line: ${result.stderr}`);
  assert.ok(
    lines.length === 1 || (lines.length === 2 && /^ {2}hint: \S/.test(lines[1]!)),
    `${what}: one error line and at most one hint line, got:\n${result.stderr}`,
  );
  if (pattern) assert.match(lines[0]!, pattern, what);
  return lines[0]!;
}

export interface SubjectJson {
  mediaType: string;
  digest: string;
  size: number;
}

export interface PutJson {
  image: string;
  subject: SubjectJson;
  type: string;
  version: string;
  artifactType: string;
  content: { digest: string; size: number; mediaType: string };
  created: string;
  author: string | null;
  supersedes: string | null;
}

export interface GetJson {
  image: string;
  subject: SubjectJson;
  version: VersionJson;
  content: { mediaType: string; digest: string; size: number; text?: string; base64?: string };
  output?: string;
}

export interface ListJson {
  image: string;
  subject: SubjectJson;
  types: Array<{ type: string; label: string; count: number; latest: VersionJson }>;
}

export interface HistoryJson {
  image: string;
  subject: SubjectJson;
  type: string;
  versions: VersionJson[];
}

export interface RemovalJson {
  image: string;
  subject: SubjectJson;
  deleted: VersionJson[];
  kept: VersionJson[];
}

export type { VersionJson };

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const CREATED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Checks every documented field of a VersionJson (src/cli/render.ts) for a manifesto version. */
export function assertVersionJson(
  v: VersionJson,
  expected: { type: string; supersedes?: string | null },
): void {
  assert.match(v.version, DIGEST, 'version');
  assert.equal(v.type, expected.type);
  assert.equal(typeof v.label, 'string');
  assert.equal(v.manifesto, true);
  assert.equal(typeof v.artifactType, 'string');
  assert.match(v.created ?? '', CREATED, 'created');
  assert.ok(v.author === null || typeof v.author === 'string');
  if (expected.supersedes !== undefined) assert.equal(v.supersedes, expected.supersedes, 'supersedes');
  assert.ok(v.content !== null, 'content');
  assert.match(v.content.digest, DIGEST);
  assert.equal(typeof v.content.size, 'number');
  assert.equal(typeof v.content.mediaType, 'string');
  assert.equal(v.annotations['dev.manifesto.type'], expected.type);
  assert.equal(v.annotations['dev.manifesto.format'], '1');
  assert.equal(v.annotations['org.opencontainers.image.created'], v.created);
  assert.equal(v.annotations['dev.manifesto.content.digest'], v.content.digest);
  assert.equal(v.annotations['dev.manifesto.content.size'], String(v.content.size));
  assert.equal(v.annotations['dev.manifesto.content.mediatype'], v.content.mediaType);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
