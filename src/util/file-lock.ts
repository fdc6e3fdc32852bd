/**
 * The one cross-process lock file of manifesto: a lock file made with exclusive create (`O_EXCL`,
 * mode 0600) next to the file it guards, holding `{ pid, host, token, acquiredAt }`. Used for a
 * layout's index.json (async: `withFileLock`) and for the trusted state (sync: `withFileLockSync`).
 *
 * One stale-lock rule (`lockIsStale`), judged from the lock's content and age:
 * - an owner on this host whose pid is gone: stale at once;
 * - an empty or unreadable (garbled) lock: stale after `GARBLED_STALE_MS` (3 s; its owner may be
 *   between creating and writing it, which takes microseconds, so 3 s is a wide margin) — before,
 *   an empty layout lock blocked every writer for 60 s;
 * - any lock older than `staleMs` (default 60 s): stale, whoever holds it (an owner on another host,
 *   or a live pid reused by an unrelated process).
 *
 * Breaking renames the lock aside first and removes it only when it is still the lock judged stale
 * (else it is linked back), so two processes breaking at once never remove a fresh lock. A lock is
 * released only while it still holds the owner's token. File operations are synchronous (a lock file
 * is ~100 bytes); the async entry point awaits between attempts and queues callers of one process per
 * path, so they do not spin on the file.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleepAsync } from 'node:timers/promises';
import { errnoCode } from './errno.ts';

export interface FileLockOptions {
  /** Longest total wait for the lock, in ms. */
  timeoutMs: number;
  /** A lock older than this is stale, whoever holds it, in ms. */
  staleMs: number;
  /** Wait between attempts, in ms (plus up to as much again of jitter). */
  retryMs: number;
}

export const DEFAULT_FILE_LOCK_OPTIONS: FileLockOptions = { timeoutMs: 30_000, staleMs: 60_000, retryMs: 3 };

/** An empty or unreadable lock older than this is abandoned (its owner died before writing it). */
export const GARBLED_STALE_MS = 3000;

export interface LockOwner {
  pid: number;
  host: string;
  token: string | undefined;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** The owner a lock's text names (`host`, or `hostname` as older versions wrote), else undefined. */
export function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { pid, host, hostname: oldHost, token } = parsed as Record<string, unknown>;
    const owner = typeof host === 'string' ? host : oldHost;
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0 || typeof owner !== 'string') {
      return undefined;
    }
    return { pid, host: owner, token: typeof token === 'string' ? token : undefined };
  } catch {
    return undefined;
  }
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errnoCode(error) === 'ESRCH';
  }
}

/** The stale-lock rule (see the file header). `ageMs` is the time since the lock file was written. */
export function lockIsStale(text: string, ageMs: number, staleMs: number): boolean {
  if (ageMs > staleMs) return true;
  const owner = parseLockOwner(text);
  if (owner === undefined) return ageMs > GARBLED_STALE_MS;
  return owner.host === hostname() && processGone(owner.pid);
}

/** The lock's text when it is stale, else undefined (also when it was released meanwhile). */
function staleContent(path: string, staleMs: number): string | undefined {
  let text: string;
  let modified: number;
  try {
    text = readFileSync(path, 'utf8');
    modified = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  return lockIsStale(text, Date.now() - modified, staleMs) ? text : undefined;
}

/** Removes a stale lock unless it was replaced meanwhile (then that one is put back). */
function breakStale(path: string, text: string): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // Someone else broke or released it.
  }
  try {
    if (readFileSync(aside, 'utf8') !== text) {
      try {
        linkSync(aside, path); // A fresh lock taken after we looked: restore it.
      } catch {
        // Another lock is in place; the restored owner still removes only its own token.
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ ...owner, acquiredAt: new Date().toISOString() }));
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw error;
  }
  closeSync(fd);
  return true;
}

function release(path: string, token: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  if (parseLockOwner(text)?.token === token) rmSync(path, { force: true });
}

function newOwner(): LockOwner & { token: string } {
  return { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
}

/** One attempt: true when taken; else a stale lock is broken (and false returned). */
function attempt(path: string, owner: LockOwner, staleMs: number): { taken: boolean; broke: boolean } {
  if (tryCreate(path, owner)) return { taken: true, broke: false };
  const stale = staleContent(path, staleMs);
  if (stale === undefined) return { taken: false, broke: false };
  breakStale(path, stale);
  return { taken: false, broke: true };
}

/** Who holds the lock at `path`, for messages. */
export function describeHolder(path: string, timeoutMs: number): string {
  let holder: LockOwner | undefined;
  try {
    holder = parseLockOwner(readFileSync(path, 'utf8'));
  } catch {
    holder = undefined;
  }
  return `${path} is held${holder === undefined ? '' : ` by pid ${holder.pid} on ${holder.host}`} for more than ${timeoutMs} ms`;
}

/**
 * Runs `action` holding the lock at `path` and returns its result, synchronously. When the lock
 * cannot be had (timeout, or the lock file cannot be created), `unlocked(reason)` is told and `action`
 * runs anyway: the caller decides whether that is acceptable.
 */
export function withFileLockSync<T>(
  path: string,
  action: () => T,
  unlocked: (reason: string) => void,
  options: Partial<FileLockOptions> = {},
): T {
  const { timeoutMs, staleMs, retryMs } = { ...DEFAULT_FILE_LOCK_OPTIONS, ...options };
  const owner = newOwner();
  const deadline = Date.now() + timeoutMs;
  let held = false;
  try {
    for (;;) {
      const { taken, broke } = attempt(path, owner, staleMs);
      if (taken) {
        held = true;
        break;
      }
      if (Date.now() >= deadline) {
        unlocked(describeHolder(path, timeoutMs));
        break;
      }
      if (!broke) sleepSync(retryMs + Math.random() * retryMs);
    }
  } catch (error) {
    unlocked(`cannot create ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return action();
  } finally {
    if (held) release(path, owner.token);
  }
}

const queues = new Map<string, Promise<void>>();

/**
 * Runs `action` holding the lock at `path`. Callers in this process are queued per path; the wait
 * for another process backs off from `retryMs` to 50 ms. After `timeoutMs`, `timedOut(reason)` makes
 * the error that is thrown (the action does not run).
 */
export async function withFileLock<T>(
  path: string,
  action: () => Promise<T>,
  timedOut: (reason: string) => Error,
  options: Partial<FileLockOptions> = {},
): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  let done!: () => void;
  const current = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tail = previous.then(() => current);
  queues.set(path, tail);
  await previous;
  try {
    const { timeoutMs, staleMs, retryMs } = { ...DEFAULT_FILE_LOCK_OPTIONS, ...options };
    const owner = newOwner();
    const deadline = Date.now() + timeoutMs;
    let delay = retryMs;
    for (;;) {
      const { taken, broke } = attempt(path, owner, staleMs);
      if (taken) break;
      if (Date.now() >= deadline) throw timedOut(describeHolder(path, timeoutMs));
      if (broke) continue;
      await sleepAsync(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
    try {
      return await action();
    } finally {
      release(path, owner.token);
    }
  } finally {
    done();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
