import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { conflictError, isManifestoError } from '../../../src/errors/errors.ts';
import {
  type FileLockOptions,
  GARBLED_STALE_MS,
  withFileLockSync,
  withFileLock as withLock,
} from '../../../src/util/file-lock.ts';
import { pushImage, tempDir } from '../content/layout/layout-fixtures.ts';

/** The async lock with a test error on timeout. */
function withFileLock<T>(
  path: string,
  action: () => Promise<T>,
  options: Partial<FileLockOptions> = {},
): Promise<T> {
  return withLock(
    path,
    action,
    (reason) => conflictError('LAYOUT_LOCKED', `timed out: ${reason}`, `remove ${path}`),
    options,
  );
}

/** Sets a file's modification time `ms` into the past. */
function age(path: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
}

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

  it('breaks an empty or garbled lock a few seconds old, but waits for a fresh one (being written)', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'l.lock');
    for (const content of ['', '{"pid":', 'garbage']) {
      writeFileSync(lock, content);
      age(lock, GARBLED_STALE_MS + 2000);
      const started = Date.now();
      assert.equal(await withFileLock(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
      assert.ok(Date.now() - started < 1000, 'broken at once, not waited out');
      assert.equal(existsSync(lock), false);
    }
    writeFileSync(lock, '');
    await assert.rejects(
      withFileLock(lock, async () => 'never', { timeoutMs: 200 }),
      /timed out/,
    );
    assert.equal(readFileSync(lock, 'utf8'), '', 'a fresh empty lock is left alone');
  });

  it('writes its lock 0600 with pid, host and token, and removes only its own lock', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'l.lock');
    await withFileLock(lock, async () => {
      assert.equal(statSync(lock).mode & 0o777, 0o600);
      const owner = JSON.parse(readFileSync(lock, 'utf8')) as Record<string, unknown>;
      assert.equal(owner.pid, process.pid);
      assert.equal(owner.host, hostname());
      assert.equal(typeof owner.token, 'string');
      // Someone broke our lock and took it: releasing leaves theirs alone.
      writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 'theirs' }));
    });
    assert.match(readFileSync(lock, 'utf8'), /theirs/);
  });

  it('the sync entry point follows the same stale rule', async (t) => {
    const dir = await tempDir(t);
    const lock = join(dir, 'l.lock');
    const reasons: string[] = [];
    const unlocked = (r: string): void => void reasons.push(r);
    writeFileSync(lock, '');
    age(lock, GARBLED_STALE_MS + 2000);
    assert.equal(
      withFileLockSync(lock, () => 'ran', unlocked, { timeoutMs: 2000 }),
      'ran',
    );
    assert.equal(reasons.length, 0);
    writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: hostname(), token: 'x' }));
    assert.equal(
      withFileLockSync(lock, () => 'ran', unlocked, { timeoutMs: 2000 }),
      'ran',
    );
    assert.deepEqual(reasons, []);
    assert.equal(existsSync(lock), false);
  });

  it('an empty layout lock a few seconds old does not block writers', async (t) => {
    const dir = join(await tempDir(t), 'layout');
    const repo = await openLayout(dir, { create: true, lock: { timeoutMs: 2000 } });
    const lock = join(dir, 'index.json.lock');
    await writeFile(lock, '');
    age(lock, 10_000);
    await pushImage(repo, {}, 'v1');
    assert.deepEqual((await repo.listTags()).tags, ['v1']);
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
