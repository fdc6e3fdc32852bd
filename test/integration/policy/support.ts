// Running the CLI in-process for the kinds/policy integration tests, on an OCI layout or a real
// registry (test/support/registries.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../../src/cli/main.ts';
import type { Repository } from '../../../src/content/repository.ts';
import type { ClientOptions } from '../../../src/registry/client-options.ts';
import { layoutRepositories, registryRepositories } from '../../support/repositories.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Backend {
  label: string;
  newRepository(prefix: string): Promise<{ repository: Repository; ref: (tagOrDigest: string) => string }>;
  /** Runs the CLI in-process; `now` is its clock (e.g. to make a signature expire). */
  cli(args: readonly string[], client?: ClientOptions, now?: () => Date): Promise<CliResult>;
  /** A file in a scratch directory. */
  file(name: string, content: string | Uint8Array): string;
  cleanup(): void;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
  return () => Buffer.concat(chunks).toString('utf8');
}

async function runMain(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  client?: ClientOptions,
  now?: () => Date,
) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await main(
    [...argv],
    { stdout, stderr, stdin: Readable.from([]), env, interactive: false },
    { ...(client === undefined ? {} : { client }), ...(now === undefined ? {} : { now }) },
  );
  stdout.end();
  stderr.end();
  return { code, stdout: out(), stderr: err() };
}

export function backend(kind: 'distribution' | 'refreg' | 'layout'): Backend {
  const scratch = mkdtempSync(join(tmpdir(), 'manifesto-policy-'));
  const env = { DOCKER_CONFIG: join(scratch, 'docker'), MANIFESTO_AUTHOR: 'ci@example.com' };
  let count = 0;
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(scratch, `${++count}-${name}`);
    writeFileSync(path, content);
    return path;
  };
  const repositories =
    kind === 'layout' ? layoutRepositories(scratch) : registryRepositories(kind, env.DOCKER_CONFIG);
  return {
    label: repositories.label,
    newRepository: (prefix) => repositories.newRepository(prefix),
    cli: (args, client, now) => runMain([...args, ...repositories.flags], env, client, now),
    file,
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

export function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

export function fixture(name: string): string {
  return join(import.meta.dirname, '..', '..', 'fixtures', 'kinds', name);
}

/** The SLSA v1 provenance fixture rewritten to be about `digest` (sha256:...). */
export function provenanceAbout(b: Backend, digest: string): string {
  const text = readFileSync(fixture('provenance-slsa-v1.json'), 'utf8').replace(
    '6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d',
    digest.replace(/^sha256:/, ''),
  );
  return b.file('provenance.json', text);
}
