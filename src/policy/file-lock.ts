/**
 * A small synchronous cross-process lock: a lock file made with exclusive create (`O_EXCL`) next to
 * the file it guards, holding `{ pid, host, token }`. Waiting is short synchronous retries
 * (`Atomics.wait`, a few ms each) up to a bounded total. A lock is stale, and is broken, when its
 * owner process is gone (same host), or when it is older than `staleMs` (any host, or an owner that
 * died before writing its pid). Breaking renames the lock aside first and removes it only when it is
 * still the lock judged stale, so two processes breaking at once do not remove a fresh lock. The
 * lock is removed in `finally`, and only while it is still ours.
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

export interface FileLockOptions {
  /** Longest total wait for the lock, in ms. */
  timeoutMs: number;
  /** A lock older than this is stale, whoever holds it, in ms. */
  staleMs: number;
  /** Wait between attempts, in ms (plus up to as much again of jitter). */
  retryMs: number;
}

export const DEFAULT_FILE_LOCK_OPTIONS: FileLockOptions = { timeoutMs: 10_000, staleMs: 5000, retryMs: 3 };

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.host === 'string' &&
      typeof parsed.token === 'string'
    ) {
      return { pid: parsed.pid, host: parsed.host, token: parsed.token };
    }
  } catch {
    // Gone, or created but not yet written (its owner is between open and write): judged by age only.
  }
  return undefined;
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

/** The lock's content (its text) when it is stale, else undefined. */
function staleContent(path: string, staleMs: number): string | undefined {
  let text: string;
  let modified: number;
  try {
    text = readFileSync(path, 'utf8');
    modified = statSync(path).mtimeMs;
  } catch {
    return undefined; // Released meanwhile: just try again.
  }
  if (Date.now() - modified > staleMs) return text;
  const owner = readOwner(path);
  if (owner !== undefined && owner.host === hostname() && processGone(owner.pid)) return text;
  return undefined;
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
      // A fresh lock taken after we looked: restore it unless yet another lock exists.
      try {
        linkSync(aside, path);
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
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw error;
  }
  closeSync(fd);
  return true;
}

function release(path: string, token: string): void {
  if (readOwner(path)?.token === token) rmSync(path, { force: true });
}

/**
 * Runs `action` holding the lock at `path` and returns its result. When the lock cannot be had
 * (timeout, or the lock file cannot be created), `unlocked(reason)` is told and `action` runs
 * anyway: the caller decides whether that is acceptable.
 */
export function withFileLock<T>(
  path: string,
  action: () => T,
  unlocked: (reason: string) => void,
  options: FileLockOptions = DEFAULT_FILE_LOCK_OPTIONS,
): T {
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + options.timeoutMs;
  let held = false;
  try {
    for (;;) {
      if (tryCreate(path, owner)) {
        held = true;
        break;
      }
      if (Date.now() >= deadline) {
        const holder = readOwner(path);
        unlocked(
          `${path} is held${holder === undefined ? '' : ` by pid ${holder.pid} on ${holder.host}`} for more than ${options.timeoutMs} ms`,
        );
        break;
      }
      const stale = staleContent(path, options.staleMs);
      if (stale !== undefined) breakStale(path, stale);
      else sleep(options.retryMs + Math.random() * options.retryMs);
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
