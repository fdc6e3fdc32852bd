/**
 * Promise forms of the few file-system calls that registry commands make (credentials, the manifest
 * cache, `get` and `put` files), over node:fs's callback API instead of node:fs/promises.
 *
 * Why: loading node:fs/promises loads Node's readline interface, REPL history, fs watchers and Dir
 * with it (its FileHandle.readLines), ~5 M instructions per process (callgrind), 2-3% of a whole
 * `manifesto get` on a loopback registry, for a handful of calls that the callback API makes alike.
 * The OCI layout backend keeps node:fs/promises: it is loaded only for `oci:` references.
 */
import type { Buffer } from 'node:buffer';
import type {
  createReadStream as createReadStreamType,
  createWriteStream as createWriteStreamType,
  MakeDirectoryOptions,
  ReadStream,
  RmOptions,
  Stats,
  WriteFileOptions,
  WriteStream,
} from 'node:fs';
import {
  chmod as chmodCallback,
  close as closeCallback,
  lstat as lstatCallback,
  mkdir as mkdirCallback,
  mkdtemp as mkdtempCallback,
  open as openCallback,
  read as readCallback,
  readFile as readFileCallback,
  rename as renameCallback,
  rm as rmCallback,
  stat as statCallback,
  writeFile as writeFileCallback,
} from 'node:fs';

/** Resolves or rejects a promise from a Node callback. */
function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void) {
  return (error: Error | null, value: T) => (error ? reject(error) : resolve(value));
}

export function readFile(path: string): Promise<Buffer>;
export function readFile(path: string, encoding: BufferEncoding): Promise<string>;
export function readFile(path: string, encoding?: BufferEncoding): Promise<Buffer | string> {
  return new Promise((resolve, reject) => {
    if (encoding === undefined) readFileCallback(path, settle<Buffer>(resolve, reject));
    else readFileCallback(path, encoding, settle<string>(resolve, reject));
  });
}

export function writeFile(path: string, data: string | Uint8Array, options: WriteFileOptions): Promise<void> {
  return new Promise((resolve, reject) =>
    writeFileCallback(path, data, options, settle<void>(resolve, reject)),
  );
}

export function mkdir(path: string, options: MakeDirectoryOptions): Promise<string | undefined> {
  return new Promise((resolve, reject) =>
    mkdirCallback(path, options, settle<string | undefined>(resolve, reject)),
  );
}

export function chmod(path: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => chmodCallback(path, mode, settle<void>(resolve, reject)));
}

export function rename(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => renameCallback(from, to, settle<void>(resolve, reject)));
}

export function rm(path: string, options: RmOptions): Promise<void> {
  return new Promise((resolve, reject) => rmCallback(path, options, settle<void>(resolve, reject)));
}

export function stat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => statCallback(path, settle<Stats>(resolve, reject)));
}

export function lstat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => lstatCallback(path, settle<Stats>(resolve, reject)));
}

export function mkdtemp(prefix: string): Promise<string> {
  return new Promise((resolve, reject) => mkdtempCallback(prefix, settle<string>(resolve, reject)));
}

/** A file opened for reading: positional reads and close, as FileHandle's. */
export interface ReadableFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export function openForReading(path: string): Promise<ReadableFile> {
  return new Promise((resolve, reject) =>
    openCallback(path, 'r', (error, fd) => {
      if (error) return reject(error);
      resolve({
        read: (buffer, offset, length, position) =>
          new Promise((done, fail) =>
            readCallback(fd, buffer, offset, length, position, (e, bytesRead) =>
              e ? fail(e) : done({ bytesRead }),
            ),
          ),
        close: () => new Promise((done, fail) => closeCallback(fd, (e) => (e ? fail(e) : done()))),
      });
    }),
  );
}

/**
 * fs.createReadStream, looked up when called: node:fs loads its streams (and with them
 * node:fs/promises' FileHandle and readline, the ~5 M instructions above) on the first read of that
 * export, so an import of it would load them in every command that never streams a file.
 */
export function createReadStream(...args: Parameters<typeof createReadStreamType>): ReadStream {
  return process.getBuiltinModule('node:fs').createReadStream(...args);
}

/** fs.createWriteStream, looked up when called (see createReadStream). */
export function createWriteStream(...args: Parameters<typeof createWriteStreamType>): WriteStream {
  return process.getBuiltinModule('node:fs').createWriteStream(...args);
}
