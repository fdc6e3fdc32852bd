/**
 * A cross-process lock file for read-modify-write of a layout's index.json.
 *
 * - Acquire: create `<file>.lock` exclusively (`wx`) and write `{pid, hostname, acquiredAt}` into it;
 *   while it exists, retry with a short jittered backoff, up to `timeoutMs` (then a 'conflict' error).
 * - Stale locks: a lock whose owner is a dead process on this host, or whose file is older than
 *   `staleMs` (owner on another host, or unreadable), is broken. Breaking is itself guarded by an
 *   exclusive `<file>.lock.break` file so two waiters never remove each other's fresh lock.
 * - In-process: callers in one process are also queued per lock path, so they do not spin on the file.
 */

import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { conflictError } from '../../errors/errors.ts';

export interface FileLockOptions {
  /** Give up waiting after this long (default 30 s). */
  timeoutMs?: number | undefined;
  /** A lock file older than this is considered abandoned (default 60 s). */
  staleMs?: number | undefined;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
export const DEFAULT_LOCK_STALE_MS = 60_000;

interface LockOwner {
  pid: number;
  hostname: string;
}

const queues = new Map<string, Promise<void>>();

/** Runs `action` while holding the lock file `lockPath`. */
export async function withFileLock<T>(
  lockPath: string,
  action: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => current);
  queues.set(lockPath, tail);
  await previous;
  try {
    await acquire(lockPath, options);
    try {
      return await action();
    } finally {
      await rm(lockPath, { force: true });
    }
  } finally {
    release();
    if (queues.get(lockPath) === tail) queues.delete(lockPath);
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    if (await tryCreate(lockPath)) return;
    if (await isStale(lockPath, staleMs)) {
      await breakLock(lockPath, staleMs);
      continue;
    }
    if (Date.now() >= deadline) {
      throw conflictError(
        'LAYOUT_LOCKED',
        `timed out after ${timeoutMs} ms waiting for the lock ${lockPath}`,
        `Another process is writing this layout. If none is, remove ${lockPath} and retry.`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const owner = { pid: process.pid, hostname: hostname(), acquiredAt: new Date().toISOString() };
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
  return true;
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(lockPath, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { pid, hostname: host } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0 || typeof host !== 'string') {
      return undefined;
    }
    return { pid, hostname: host };
  } catch {
    return undefined; // missing, being written, or not ours: judged by age
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockAge(lockPath: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether the lock file exists and is abandoned. */
async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  const age = await lockAge(lockPath);
  if (age === undefined) return false; // released meanwhile: just retry
  if (age > staleMs) return true;
  const owner = await readOwner(lockPath);
  return owner !== undefined && owner.hostname === hostname() && !processAlive(owner.pid);
}

/** Removes an abandoned lock, re-checking under the break guard so a fresh lock is never removed. */
async function breakLock(lockPath: string, staleMs: number): Promise<void> {
  const guard = `${lockPath}.break`;
  if (!(await tryCreate(guard))) {
    const guardAge = await lockAge(guard);
    // A breaker that died between creating and removing its guard: remove the guard after a while.
    if (guardAge !== undefined && guardAge > Math.min(staleMs, 5_000)) await rm(guard, { force: true });
    await sleep(2);
    return;
  }
  try {
    if (await isStale(lockPath, staleMs)) await rm(lockPath, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}
