import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withFileLock } from '../../../../src/content/layout/file-lock.ts';
import { openLayout } from '../../../../src/content/layout/oci-layout-repository.ts';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { pushImage, tempDir } from './layout-fixtures.ts';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(child.pid);
  return child.pid;
}

describe('withFileLock', () => {
  it('runs actions one at a time and removes the lock file after', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'index.json.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        withFileLock(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(i % 3);
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
    assert.deepEqual(await readdir(dir), []);
  });

  it('releases the lock when the action throws', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'l.lock');
    await assert.rejects(
      withFileLock(lock, async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await withFileLock(lock, async () => 'next'), 'next');
    assert.deepEqual(await readdir(dir), []);
  });

  it('breaks a lock left by a dead process on this host', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'l.lock');
    await writeFile(lock, JSON.stringify({ pid: deadPid(), hostname: hostname() }));
    assert.equal(await withFileLock(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
  });

  it('breaks a lock older than staleMs (owner elsewhere or unreadable)', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'l.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, hostname: 'another-host' }));
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    assert.equal(await withFileLock(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
    await writeFile(lock, 'garbage');
    await utimes(lock, old, old);
    assert.equal(await withFileLock(lock, async () => 'ran again', { timeoutMs: 2000 }), 'ran again');
  });

  it('waits a bounded time for a live lock, then fails with a "conflict" error and a hint', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'l.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, hostname: hostname() }));
    const started = Date.now();
    await assert.rejects(
      withFileLock(lock, async () => 'never', { timeoutMs: 150 }),
      (error: unknown) =>
        isManifestoError(error) &&
        error.code === 'LAYOUT_LOCKED' &&
        error.category === 'conflict' &&
        (error.hint ?? '').includes(lock),
    );
    assert.ok(Date.now() - started >= 150);
    // A lock released while waiting is taken.
    setTimeout(() => void rm(lock), 50);
    assert.equal(await withFileLock(lock, async () => 'got it', { timeoutMs: 5000 }), 'got it');
  });

  it('a layout write waits for the lock and then succeeds', async (t) => {
    const dir = join(await tempDir(t), 'layout');
    const repo = await openLayout(dir, { create: true, lock: { timeoutMs: 5000 } });
    const lock = join(dir, 'index.json.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, hostname: hostname() }));
    const pending = pushImage(repo, {}, 'v1');
    await sleep(100);
    assert.deepEqual((await repo.listTags()).tags, [], 'not written while the lock is held');
    await rm(lock);
    await pending;
    assert.deepEqual((await repo.listTags()).tags, ['v1']);
  });
});
