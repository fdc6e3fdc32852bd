// Ctrl-C on `manifesto put` to distribution (tag schema) during the settle wait, when the version is
// already stored: the put says on stderr what was stored and exits 130 (it exited 130 silently), and
// running the same put again finishes that version instead of storing a second one (it stored a
// duplicate). A real process gets a real SIGINT once the referrers index tag exists (the index was
// written; the put is waiting to confirm it). MANIFESTO_SETTLE_MS=4000 makes that window wide.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { metadataBackend } from './support/backends.ts';
import { BIN } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

const backend = metadataBackend('distribution');
const state = mkdtempSync(join(tmpdir(), 'manifesto-interrupted-state-'));
const files = scratchDir('manifesto-interrupted-');
const env = { ...backend.env, MANIFESTO_STATE_DIR: state };

/** Starts a put; sends SIGINT as soon as `ready()` says so; resolves with exit code and stderr. */
function putInterrupted(
  args: string[],
  ready: () => Promise<boolean>,
): Promise<{ code: number; stderr: string }> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env, MANIFESTO_SETTLE_MS: '4000' }))
    if (v !== undefined) childEnv[k] = v;
  const child = spawn(process.execPath, [BIN, ...args, ...backend.flags], { env: childEnv });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdout.resume();
  let stop = false;
  const exited = new Promise<{ code: number; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      stop = true;
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), stderr });
    });
  });
  void (async () => {
    const deadline = Date.now() + 60_000;
    while (!stop && Date.now() < deadline) {
      if (await ready()) {
        child.kill('SIGINT');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
  })();
  return exited;
}

describe(`Ctrl-C on put during the settle wait (${backend.label})`, () => {
  after(() => {
    files.remove();
    backend.cleanup();
    rmSync(state, { recursive: true, force: true });
  });

  it('says what was stored, exits 130, and the same put again finishes it without a second version', async () => {
    const image = await backend.newImage('interrupted-put');
    const cli = backendCli(backend);
    const path = files.file('scan.json', '{"findings":[]}');
    const interrupted = await putInterrupted(
      ['put', image.ref, 'interrupted', path],
      async () => (await backend.referrersTagStatus(image)) === 200,
    );
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const stored = /interrupted: version (sha256:[0-9a-f]{64}) of interrupted is stored/.exec(
      interrupted.stderr,
    );
    assert.ok(stored, `stderr names the stored version: ${interrupted.stderr}`);
    assert.match(interrupted.stderr, /run the same put again/);

    const again = await cli.run(['put', image.ref, 'interrupted', path, '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout.toString()) as { version: string }).version, stored[1]);
    assert.match(again.stderr, /finished the interrupted put/);
    assert.deepEqual(
      (await cli.history(image, 'interrupted')).map((v) => v.version),
      [stored[1]],
    );

    // Once finished, the same put is an ordinary new version again.
    const third = await cli.run(['put', image.ref, 'interrupted', path, '--json'], { env });
    assert.equal(third.code, 0, third.stderr);
    assert.equal((await cli.history(image, 'interrupted')).length, 2);
  });
});
