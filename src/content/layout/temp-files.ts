/**
 * The temporary files a layout writer makes (a blob being streamed in, a new index.json) and what
 * happens to them when the writer does not finish.
 *
 * - Interrupted: while a temporary file is open, SIGINT and SIGTERM remove it (synchronously) before
 *   the process dies, and so does the process's `exit`. Without this, Ctrl-C during a 200 MiB put
 *   left a hidden 63 MiB `.tmp` blob behind. The signal listeners exist only while a temporary file
 *   does: outside writes, Ctrl-C keeps Node's default. When no other listener handles the signal,
 *   the signal is raised again after the cleanup, so the process still dies by it (exit 130/143).
 * - Killed (SIGKILL, power loss): the next write to the layout removes temporaries named as
 *   manifesto names them that are older than {@link STALE_TEMP_MS} and whose writer (the pid in the
 *   name) is not a live process on this host. A temporary written to within that time, or by a live
 *   process, is never touched: it may belong to a writer still streaming.
 *
 * Names: blobs `blobs/<alg>/.<first 16 hex>.<pid>.<12 hex>.tmp`; files in the layout's root
 * `<name>.<pid>.<12 hex>.tmp` (index.json, oci-layout). Other tools' temporaries are left alone.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Temporaries untouched for longer than this, whose writer is gone, are garbage. */
export const STALE_TEMP_MS = 10 * 60_000;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type CleanupSignal = (typeof SIGNALS)[number];

const live = new Set<string>();
const listeners = new Map<CleanupSignal, () => void>();

function removeLiveTemps(): void {
  for (const path of live) {
    try {
      rmSync(path, { force: true });
    } catch {
      // best effort: the process is going away
    }
  }
  live.clear();
}

function onExit(): void {
  removeLiveTemps();
}

function install(): void {
  for (const signal of SIGNALS) {
    const listener = (): void => {
      removeLiveTemps();
      uninstall();
      // Nobody else handles it: die by the signal as Node would have without this listener.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  process.on('exit', onExit);
}

function uninstall(): void {
  for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  listeners.clear();
  process.removeListener('exit', onExit);
}

/** A fresh temporary path `<base>.<pid>.<12 hex>.tmp`, removed on SIGINT/SIGTERM/exit until released. */
export function trackTemp(base: string): { path: string; release: () => void } {
  const path = `${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  if (live.size === 0) install();
  live.add(path);
  return {
    path,
    release: () => {
      if (!live.delete(path)) return;
      if (live.size === 0) uninstall();
    },
  };
}

const BLOB_TEMP = /^\.[0-9a-f]{16}\.([0-9]+)\.[0-9a-f]{12}\.tmp$/;
const ROOT_TEMP = /^(?:index\.json|oci-layout)\.([0-9]+)\.[0-9a-f]{12}\.tmp$/;

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/**
 * Removes the stale temporaries of the layout at `root` (see the file header); returns how many
 * bytes it freed. Errors are ignored: this is housekeeping, never a reason to fail a write.
 */
export async function collectStaleTemps(
  root: string,
  blobsDir: string,
  now: number = Date.now(),
): Promise<{ removed: number; bytes: number }> {
  const candidates: { path: string; pid: number }[] = [];
  const collect = (dir: string, name: string, pattern: RegExp) => {
    const match = pattern.exec(name);
    if (match) candidates.push({ path: join(dir, name), pid: Number(match[1]) });
  };
  for (const name of await names(root)) collect(root, name, ROOT_TEMP);
  for (const algorithm of await names(blobsDir)) {
    const dir = join(blobsDir, algorithm);
    for (const name of await names(dir)) if (name.startsWith('.')) collect(dir, name, BLOB_TEMP);
  }
  let removed = 0;
  let bytes = 0;
  for (const { path, pid } of candidates) {
    try {
      const info = await stat(path);
      if (!info.isFile() || now - info.mtimeMs < STALE_TEMP_MS || isAlive(pid)) continue;
      await rm(path, { force: true });
      removed++;
      bytes += info.size;
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return { removed, bytes };
}
