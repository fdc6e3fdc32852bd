/**
 * The content-addressed `blobs/<alg>/<hex>` store of an OCI image layout. Blobs are written to a
 * temporary file in their final directory while being hashed, checked against the expected digest and
 * size, made read-only and renamed into place; a mismatch, a failure or an interruption (SIGINT,
 * SIGTERM) leaves nothing behind (temp-files.ts). Reads are streamed and verified.
 */
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CodeOf, integrityError, isManifestoError, notFoundError } from '../../errors/errors.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { DigestVerifier, parseDigest, verifyBytes, verifyStream } from '../../oci/digest.ts';
import { isMissingPath } from '../../util/errno.ts';
import type { BlobSource } from '../repository.ts';
import { trackTemp } from './temp-files.ts';

export const BLOBS_DIR = 'blobs';
const READ_CHUNK = 256 * 1024;

export function blobPath(root: string, digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return join(root, BLOBS_DIR, algorithm, hex);
}

/** Size of the stored blob, or undefined when it does not exist. */
export async function blobSize(root: string, digest: string): Promise<number | undefined> {
  try {
    const info = await stat(blobPath(root, digest));
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if (isMissingPath(error)) return undefined;
    throw error;
  }
}

export function blobUnknown(digest: string, location: string, cause?: unknown) {
  return notFoundError(
    'BLOB_UNKNOWN',
    `blob ${digest} not found in ${location}`,
    'The layout does not hold this content; copy it into the layout first.',
    cause,
  );
}

/** Streams a stored blob, verifying digest and size (an integrity error at the end on mismatch). */
export async function* readBlobStream(
  root: string,
  descriptor: Descriptor,
  location: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  const path = blobPath(root, descriptor.digest);
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw isMissingPath(error) ? blobUnknown(descriptor.digest, location, error) : error;
  });
  const stream = handle.createReadStream({ highWaterMark: READ_CHUNK });
  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    for await (const chunk of stream) yield chunk as Uint8Array;
  }
  try {
    yield* verifyStream(chunks(), descriptor.digest, descriptor.size);
  } finally {
    stream.destroy();
  }
}

/**
 * Reads a whole stored blob, verified. Checks the file's size before reading it: a size other than
 * `expectedSize` is an integrity error (SIZE_MISMATCH), and so is a file over `maxBytes`
 * (`tooLargeCode`). Undefined when the blob does not exist.
 */
export async function readBlobBytes(
  root: string,
  digest: string,
  expectedSize: number | undefined,
  maxBytes: number,
  tooLargeCode: CodeOf<'integrity'>,
): Promise<Uint8Array | undefined> {
  const path = blobPath(root, digest);
  let bytes: Uint8Array;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (expectedSize !== undefined && size !== expectedSize) {
        throw integrityError(
          'SIZE_MISMATCH',
          `content of ${digest} has ${size} bytes, its descriptor says ${expectedSize}`,
          'The stored content was truncated or replaced; do not trust it.',
        );
      }
      if (size > maxBytes) {
        throw integrityError(
          tooLargeCode,
          `${digest} has ${size} bytes, more than the limit of ${maxBytes}`,
          'manifesto does not read content this large here; do not trust it.',
        );
      }
      const buffer = await handle.readFile();
      // A plain Uint8Array view (not a Buffer), as the Repository interface promises.
      bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isMissingPath(error)) return undefined;
    throw error;
  }
  if (bytes.byteLength > maxBytes) {
    throw integrityError(tooLargeCode, `${digest} grew over the limit of ${maxBytes} bytes while read`);
  }
  verifyBytes(bytes, digest, expectedSize);
  return bytes;
}

/**
 * Stores a blob unless a file of the expected size already exists. Content is hashed while written;
 * the temporary file is renamed into place only when digest and size match.
 */
export async function writeBlob(root: string, descriptor: Descriptor, content: BlobSource): Promise<void> {
  const target = blobPath(root, descriptor.digest);
  if ((await blobSize(root, descriptor.digest)) === descriptor.size) return;
  if (content instanceof Uint8Array) verifyBytes(content, descriptor.digest, descriptor.size);
  const dir = join(target, '..');
  await mkdir(dir, { recursive: true });
  const { hex } = parseDigest(descriptor.digest);
  // Removed on Ctrl-C / SIGTERM / exit while it exists (temp-files.ts).
  const { path: temp, release } = trackTemp(join(dir, `.${hex.slice(0, 16)}`));
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      if (content instanceof Uint8Array) {
        await handle.writeFile(content);
      } else {
        const verifier = new DigestVerifier(descriptor.digest, descriptor.size);
        for await (const chunk of content.open()) {
          verifier.update(chunk);
          let offset = 0;
          while (offset < chunk.byteLength) {
            const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
            offset += bytesWritten;
          }
        }
        verifier.verify();
      }
    } finally {
      await handle.close();
    }
    // Blobs are immutable: read-only like other layout writers (oras) make them.
    await chmod(temp, 0o444);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    // Another writer may have stored the same content meanwhile (rename over it can fail on Windows).
    if (!isManifestoError(error) && (await blobSize(root, descriptor.digest)) === descriptor.size) return;
    throw error;
  } finally {
    release();
  }
}

/** Removes a stored blob; no error when it is already gone. */
export async function removeBlob(root: string, digest: string): Promise<void> {
  await rm(blobPath(root, digest), { force: true });
}
