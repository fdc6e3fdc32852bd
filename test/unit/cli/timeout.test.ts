// --timeout / MANIFESTO_TIMEOUT: a registry that accepts connections and never answers fails the
// command in seconds (exit 6), with a hint naming the option; bad values are usage errors.
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { DEFAULT_TIMEOUT_MS } from '../../../src/registry/http/transport.ts';
import { closedAfterTests, startServer } from '../registry/http/servers.ts';

const open = closedAfterTests();

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stdout.resume();
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const code = await main(argv, {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: { ...process.env, MANIFESTO_CACHE: 'off', ...env },
    interactive: false,
  });
  return { code, stderr: err };
}

describe('--timeout', () => {
  it('a registry that never answers: exit 6 within two timeouts, the hint names --timeout', async () => {
    const hung = await startServer(() => undefined);
    open.push(hung);
    for (const [argv, env] of [
      [['--timeout', '0.4'], {}],
      [[], { MANIFESTO_TIMEOUT: '0.4' }],
    ] as const) {
      const started = performance.now();
      const result = await run(['list', `${hung.host}/team/app:v1`, ...argv], env);
      const seconds = (performance.now() - started) / 1000;
      assert.equal(result.code, 6, result.stderr);
      assert.match(result.stderr, /did not answer within 0\.4 s/);
      assert.match(result.stderr, /--timeout/);
      // The flag took effect: well under the 15 s default that a hung registry would otherwise cost
      // (a loose bound, not a timing target: a loaded CI machine starts processes slowly).
      assert.ok(seconds < DEFAULT_TIMEOUT_MS / 1000, `took ${seconds} s`);
    }
  });

  it('refuses a value that is not a number of seconds', async () => {
    const result = await run(['list', '127.0.0.1:1/team/app:v1', '--timeout', 'soon']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--timeout: "soon" is not a number of seconds/);
  });
});
