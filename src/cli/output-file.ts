/**
 * Files the CLI writes on the user's disk (`get -o PATH`, `key generate --out NAME`): regular files
 * only, written through a new temporary file next to the target (created exclusively, with the mode
 * asked for) and renamed over it, so that a failure leaves nothing and a new file never inherits an
 * old file's mode. A rename replaces a directory entry and never follows it, so:
 * - a FIFO, device or socket at the target is refused (renaming over `/dev/null` as root would
 *   replace the device node), and so is a folder;
 * - a symbolic link is refused unless `force` (then the link itself is replaced; what it points to
 *   is never written);
 * - a missing folder is an error (nothing is created outside the target; the temporary file is
 *   removed on every failure);
 * - with `existing: 'refuse'`, an existing regular file is refused unless `force` (keys).
 * Every refusal is a usage error (exit 2) with its own code.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ManifestoError, usageError } from '../errors/errors.ts';
import { errnoCode, isMissingPath } from '../util/errno.ts';
import { createWriteStream, lstat, rename, rm, stat } from '../util/fs-async.ts';

export interface OutputFileOptions {
  /** The flag that named the path, for messages (`-o`, `--out`). */
  flag: string;
  /** Replace a symbolic link (and, with `existing: 'refuse'`, an existing file). */
  force?: boolean | undefined;
  /** What to do with an existing regular file: replace it (default) or refuse it without `force`. */
  existing?: 'replace' | 'refuse' | undefined;
}

/** Bytes a file may have queued before the writer waits for the disk. */
const WRITE_BUFFER_BYTES = 1024 * 1024;

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Checks that `path` may be written (see the file header); throws a usage error if not. */
export async function checkOutputPath(path: string, options: OutputFileOptions): Promise<void> {
  const { flag } = options;
  if (path === '') {
    throw usageError('OUTPUT_PATH_EMPTY', `${flag}: the path is empty`, `Name a file, e.g. ${flag} out.json`);
  }
  const folder = dirname(path);
  let folderStats: Stats | undefined;
  try {
    folderStats = await stat(folder);
  } catch (error) {
    if (!isMissingPath(error)) throw error;
  }
  if (folderStats === undefined || !folderStats.isDirectory()) {
    throw usageError(
      'OUTPUT_FOLDER_MISSING',
      `${flag} ${path}: the folder ${folder} does not exist`,
      'Create the folder first; manifesto creates nothing but the file itself.',
    );
  }
  const existing = await lstatOrUndefined(path);
  if (existing === undefined || existing.isFile()) {
    if (existing !== undefined && options.existing === 'refuse' && options.force !== true) {
      throw usageError(
        'OUTPUT_EXISTS',
        `${flag} ${path}: the file already exists`,
        'Choose another name, or add --force to replace it.',
      );
    }
    return;
  }
  if (existing.isSymbolicLink()) {
    if (options.force === true) return;
    throw usageError(
      'OUTPUT_IS_SYMLINK',
      `${flag} ${path}: is a symbolic link; manifesto does not write through links`,
      'Name the real file, or add --force to replace the link itself (its target is left alone).',
    );
  }
  if (existing.isDirectory()) {
    throw usageError(
      'OUTPUT_IS_FOLDER',
      `${flag} ${path}: is a folder`,
      `Name a file in it, e.g. ${flag} ${join(path, 'out.json')}`,
    );
  }
  throw usageError(
    'OUTPUT_NOT_REGULAR',
    `${flag} ${path}: is ${kindOf(existing)}, not a regular file`,
    'manifesto writes only regular files; use standard output for a pipe or device (omit -o).',
  );
}

function writeFailed(path: string, error: unknown, flag: string): ManifestoError {
  const code = errnoCode(error);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return usageError(
      'OUTPUT_NOT_WRITABLE',
      `${flag} ${path}: cannot write there (${code})`,
      'Choose a folder you can write to.',
      error,
    );
  }
  return error instanceof ManifestoError
    ? error
    : new ManifestoError('OUTPUT_WRITE_FAILED', `${flag} ${path}: ${(error as Error).message}`, {
        category: 'unavailable',
        hint: 'Check the free space and the folder, then retry.',
        cause: error,
      });
}

/** A file written beside its target, not yet in place. */
export interface PendingFile {
  path: string;
  /** Moves the file into place (checking the target again: it may have changed meanwhile). */
  commit(): Promise<void>;
  /** Removes the temporary file. */
  discard(): Promise<void>;
}

/**
 * Writes `content` into a new temporary file beside `path` with `mode` (created exclusively: a link
 * planted under that name is never followed). The caller commits or discards it.
 */
export async function writePendingFile(
  path: string,
  content: Uint8Array | AsyncIterable<Uint8Array>,
  mode: number,
  options: OutputFileOptions,
): Promise<PendingFile> {
  await checkOutputPath(path, options);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.manifesto-partial`);
  const discard = () => rm(temp, { force: true });
  try {
    const source = content instanceof Uint8Array ? Readable.from([content]) : Readable.from(content);
    await pipeline(source, createWriteStream(temp, { flags: 'wx', mode, highWaterMark: WRITE_BUFFER_BYTES }));
  } catch (error) {
    await discard();
    throw writeFailed(path, error, options.flag);
  }
  return {
    path,
    async commit() {
      try {
        await checkOutputPath(path, options);
        await rename(temp, path);
      } catch (error) {
        await discard();
        throw writeFailed(path, error, options.flag);
      }
    },
    discard,
  };
}

/** Writes `content` to `path` (see the file header): the whole file, or nothing. */
export async function writeOutputFile(
  path: string,
  content: Uint8Array | AsyncIterable<Uint8Array>,
  mode: number,
  options: OutputFileOptions,
): Promise<void> {
  await (await writePendingFile(path, content, mode, options)).commit();
}
