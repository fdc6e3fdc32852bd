/**
 * Metadata content to store, from a file or a stream (stdin): hashed once up front (digest and size
 * must be known before upload), then streamed to the backend with bounded memory. Small content is
 * kept in memory; a large stream is spooled to a private temporary file, removed by `dispose()`. A
 * FIFO or pipe given as a file (process substitution) is read as a stream.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { StreamSource } from '../content/repository.ts';
import { ManifestoError, usageError } from '../errors/errors.ts';
import { concatBytes } from '../util/bytes.ts';
import { createReadStream, createWriteStream, mkdtemp, openForReading, rm, stat } from '../util/fs-async.ts';
import { FULL_PARSE_LIMIT } from './detect-media-type.ts';

/** How much of large content is kept for media type detection (small content is kept whole). */
const LARGE_CONTENT_HEAD_BYTES = 64 * 1024;
const HASH_BUFFER_BYTES = 1024 * 1024;

/**
 * Read size when streaming content to a backend: small enough to keep an upload's memory bounded, large
 * enough that the per-chunk cost of the HTTP body stream does not dominate. A 500 MiB put on the
 * development machine: 64 KiB 3.1-3.5 s, 128 KiB 2.4-2.7 s at 106-112 MB peak RSS, 256 KiB 2.3-2.4 s
 * at 116-120 MB, 512 KiB no faster at 141-148 MB.
 */
const STREAM_CHUNK_BYTES = 128 * 1024;

/** Default limit on the size of one piece of metadata (`--max-size`, MANIFESTO_MAX_SIZE). */
export const DEFAULT_MAX_CONTENT_BYTES = 1024 * 1024 * 1024;

export interface PreparedContent {
  digest: string;
  size: number;
  /** The whole content when size <= FULL_PARSE_LIMIT, else its first bytes (64 KiB from files). */
  head: Uint8Array;
  /** The file name, for media type detection and the layer title (undefined for streams). */
  fileName: string | undefined;
  /** Bytes when small, else a re-openable stream. */
  source: Uint8Array | StreamSource;
  dispose(): Promise<void>;
}

function tooLarge(what: string, maxBytes: number): ManifestoError {
  return usageError(
    'CONTENT_TOO_LARGE',
    `${what} is larger than the limit of ${maxBytes} bytes`,
    'Raise the limit with --max-size BYTES (or MANIFESTO_MAX_SIZE) if this is intended.',
  );
}

function unreadable(path: string, error: unknown): ManifestoError {
  return usageError(
    'FILE_UNREADABLE',
    `cannot read "${path}": ${(error as Error).message}`,
    undefined,
    error,
  );
}

function emptyContent(what: string): ManifestoError {
  return usageError('CONTENT_EMPTY', `${what} is empty`, 'Metadata content must have at least one byte.');
}

function fileStream(path: string): StreamSource {
  return {
    async *open() {
      for await (const chunk of createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES })) {
        yield chunk as Uint8Array;
      }
    },
  };
}

/** Reads a file's digest, size and head; the content is streamed again from disk when uploaded. */
export async function prepareFile(
  path: string,
  maxBytes = DEFAULT_MAX_CONTENT_BYTES,
): Promise<PreparedContent> {
  let size: number;
  let streamed = false;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw usageError(
        'FILE_IS_DIRECTORY',
        `"${path}" is a directory`,
        'Give the path of a file, or - for stdin.',
      );
    }
    // A FIFO or pipe (`<(command)`, a named pipe, /dev/stdin): its size on disk says nothing; read
    // it once, as a stream (it cannot be read twice).
    if (info.isFIFO() || info.isCharacterDevice() || info.isSocket()) streamed = true;
    size = info.size;
  } catch (error) {
    if (error instanceof ManifestoError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw usageError(
        'FILE_NOT_FOUND',
        `file "${path}" does not exist`,
        'Check the path, or use - for stdin.',
        error,
      );
    }
    throw unreadable(path, error);
  }
  if (streamed) {
    let stream: ReturnType<typeof createReadStream>;
    try {
      stream = createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES });
      await once(stream, 'open');
    } catch (error) {
      throw unreadable(path, error);
    }
    return prepareStream(stream as AsyncIterable<Uint8Array>, maxBytes, `"${path}"`);
  }
  if (size === 0) throw emptyContent(`file "${path}"`);
  if (size > maxBytes) throw tooLarge(`file "${path}" (${size} bytes)`, maxBytes);
  // One reused buffer: hashing a large file allocates nothing per chunk, so memory stays flat.
  const hash = createHash('sha256');
  const head = new Uint8Array(size <= FULL_PARSE_LIMIT ? size : LARGE_CONTENT_HEAD_BYTES);
  const buffer = Buffer.allocUnsafe(Math.min(size, HASH_BUFFER_BYTES));
  let seen = 0;
  try {
    const handle = await openForReading(path);
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, seen);
        if (bytesRead === 0) break;
        const bytes = buffer.subarray(0, bytesRead);
        hash.update(bytes);
        if (seen < head.byteLength) head.set(bytes.subarray(0, head.byteLength - seen), seen);
        seen += bytesRead;
        if (seen > size) break;
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  } catch (error) {
    throw unreadable(path, error);
  }
  if (seen !== size) {
    throw usageError(
      'FILE_CHANGED',
      `file "${path}" changed while it was read`,
      'Try again when it is complete.',
    );
  }
  return {
    digest: `sha256:${hash.digest('hex')}`,
    size,
    head,
    fileName: basename(path),
    source: size === head.byteLength ? head : fileStream(path),
    dispose: async () => undefined,
  };
}

/** Reads a stream (stdin) completely: in memory up to FULL_PARSE_LIMIT, spooled to a temp file above. */
export async function prepareStream(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxBytes = DEFAULT_MAX_CONTENT_BYTES,
  what = 'standard input',
): Promise<PreparedContent> {
  const hash = createHash('sha256');
  const headChunks: Uint8Array[] = [];
  let size = 0;
  let spoolDir: string | undefined;
  let spool: ReturnType<typeof createWriteStream> | undefined;
  const cleanup = async () => {
    spool?.destroy();
    if (spoolDir !== undefined) await rm(spoolDir, { recursive: true, force: true });
  };
  try {
    for await (const piece of input) {
      const bytes = typeof piece === 'string' ? new TextEncoder().encode(piece) : piece;
      size += bytes.byteLength;
      if (size > maxBytes) throw tooLarge(what, maxBytes);
      hash.update(bytes);
      if (spool === undefined && size <= FULL_PARSE_LIMIT) {
        headChunks.push(bytes);
        continue;
      }
      if (spool === undefined) {
        spoolDir = await mkdtemp(join(tmpdir(), 'manifesto-'));
        spool = createWriteStream(join(spoolDir, 'content'), { mode: 0o600 });
        for (const c of headChunks) if (!spool.write(c)) await once(spool, 'drain');
      }
      if (!spool.write(bytes)) await once(spool, 'drain');
    }
    if (size === 0) throw emptyContent(what);
    if (spool !== undefined) {
      spool.end();
      await once(spool, 'finish');
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  const inMemory = spool === undefined;
  const headAll = concatBytes(headChunks);
  const head = headAll.subarray(0, Math.min(headAll.byteLength, FULL_PARSE_LIMIT));
  const spoolPath = spoolDir === undefined ? undefined : join(spoolDir, 'content');
  return {
    digest: `sha256:${hash.digest('hex')}`,
    size,
    head,
    fileName: undefined,
    source: inMemory || spoolPath === undefined ? headAll : fileStream(spoolPath),
    dispose: cleanup,
  };
}
