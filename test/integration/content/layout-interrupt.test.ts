// A real `manifesto put` process to an OCI image layout, interrupted mid-write: Ctrl-C (SIGINT) and
// SIGTERM leave no temporary blob behind, and a writer killed outright (SIGKILL, which nothing can
// catch) leaves one that the next write removes once it is stale and its writer is gone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { STALE_TEMP_MS } from '../../../src/content/layout/temp-files.ts';
import { pushTestImage } from '../../support/images.ts';
import { BIN, ok, spawnCli } from '../metadata/support/cli.ts';

const BIG = 200 * 1024 * 1024;

async function layoutWithImage(t: TestContext): Promise<{ dir: string; layout: string; big: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'manifesto-interrupt-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = join(dir, 'L');
  await pushTestImage(await openLayout(layout, { create: true }), { tag: 'v1' });
  const big = join(dir, 'big.log');
  await writeFile(big, '');
  await truncate(big, BIG);
  return { dir, layout, big };
}

/** Every `*.tmp` file in the layout (root and blobs/<alg>/), with its size. */
async function temporaries(layout: string): Promise<{ path: string; size: number }[]> {
  const found: { path: string; size: number }[] = [];
  const dirs = [layout, ...(await readdir(join(layout, 'blobs'))).map((a) => join(layout, 'blobs', a))];
  for (const dir of dirs) {
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.tmp')) continue;
      const path = join(dir, name);
      found.push({ path, size: (await stat(path).catch(() => ({ size: -1 }))).size });
    }
  }
  return found;
}

/** Starts `manifesto put` of the big file; resolves once its temporary blob holds some MiB. */
async function putUntilMidWrite(
  layout: string,
  big: string,
): Promise<{ exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; pid: number }> {
  const child = spawn(process.execPath, [BIN, 'put', `oci:${layout}:v1`, 'build-log', big], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    assert.ok(!done, `the put finished before it could be interrupted: ${stderr}`);
    assert.ok(Date.now() < deadline, 'no temporary blob appeared within 180 s');
    const temps = await temporaries(layout);
    if (temps.some((t) => t.size >= 1024 * 1024 && t.size < BIG)) break;
    await sleep(2);
  }
  return { exited, pid: child.pid as number };
}

describe('an interrupted put to an OCI image layout', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-write removes the temporary blob, and the process still ends as the signal says`, async (t) => {
      const { layout, big } = await layoutWithImage(t);
      const { exited, pid } = await putUntilMidWrite(layout, big);
      process.kill(pid, signal);
      const end = await exited;
      // put says what was stored and exits 128 + the signal's number (or dies by it).
      const expected = signal === 'SIGINT' ? 130 : 143;
      assert.ok(end.signal === signal || end.code === expected, `exit ${end.code}, signal ${end.signal}`);
      assert.deepEqual(await temporaries(layout), []);
      // Nothing half-written: the layout still holds only the image.
      const repo = await openLayout(layout);
      const image = await repo.resolve('v1');
      assert.deepEqual((await repo.referrers(image.digest)).manifests, []);
    });
  }

  it('the next write removes what a killed writer left once stale, and nothing a live writer holds', async (t) => {
    const { dir, layout, big } = await layoutWithImage(t);
    const { exited, pid } = await putUntilMidWrite(layout, big);
    process.kill(pid, 'SIGKILL');
    assert.equal((await exited).signal, 'SIGKILL');
    const [left] = await temporaries(layout);
    assert.ok(left && left.size > 0, 'SIGKILL cannot be caught: its temporary stays');

    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    await utimes(left.path, old, old);
    // A stale-looking temporary of a live writer (this test process) and a fresh one of a dead writer.
    const blobs = join(layout, 'blobs', 'sha256');
    const live = join(blobs, `.${'a'.repeat(16)}.${process.pid}.${'b'.repeat(12)}.tmp`);
    const fresh = join(blobs, `.${'c'.repeat(16)}.${pid}.${'d'.repeat(12)}.tmp`);
    await writeFile(live, 'live writer');
    await utimes(live, old, old);
    await writeFile(fresh, 'recent');

    const small = join(dir, 'small.log');
    await writeFile(small, 'a small log\n');
    ok(await spawnCli(['put', `oci:${layout}:v1`, 'build-log', small]), 'put after the kill');
    assert.deepEqual((await temporaries(layout)).map((t) => t.path).sort(), [fresh, live].sort());
  });
});
