/** Blob reads: stat (HEAD), streaming GET (redirects followed, verified while streaming), bounded reads. */
import { integrityError, notFoundError, usageError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { parseDigest, tryParseDigest, verifyStream } from '../oci/digest.ts';
import { concatBytes } from '../util/bytes.ts';
import type { RegistryResponse } from './http/response.ts';
import { errorFromResponse } from './http/response-errors.ts';
import { blobPath, type RegistryTarget, replyContext } from './registry-target.ts';
import { contentLength, discardBody } from './response-body.ts';

const OCTET_STREAM = 'application/octet-stream';

function where(target: RegistryTarget, digest: string): string {
  return `${target.transport.registry}/${target.repository}@${digest}`;
}

/** The blob's descriptor (octet-stream media type, digest, size) if the repository has it. */
export async function statBlob(target: RegistryTarget, digest: string): Promise<Descriptor | undefined> {
  parseDigest(digest);
  const res = await target.transport.request({
    method: 'HEAD',
    path: blobPath(target, digest),
    repository: target.repository,
    actions: ['pull'],
    followRedirects: true,
    idempotent: true,
    requestClass: 'blob',
  });
  await discardBody(res);
  if (res.status === 404) return undefined;
  if (res.status !== 200)
    throw await errorFromResponse(res, replyContext(target, 'check blob', { digest, kind: 'blob' }));
  const headerDigest = res.headers.get('docker-content-digest')?.trim();
  if (
    headerDigest !== undefined &&
    tryParseDigest(headerDigest)?.algorithm === parseDigest(digest).algorithm
  ) {
    if (headerDigest !== digest) {
      throw integrityError(
        'DIGEST_MISMATCH',
        `the registry answered for blob ${where(target, digest)} with digest ${headerDigest}`,
        'The registry is inconsistent; do not trust it.',
      );
    }
  }
  const size = contentLength(res);
  if (size === undefined) {
    throw integrityError(
      'BLOB_SIZE_UNKNOWN',
      `the registry did not say the size of blob ${where(target, digest)}`,
      'The registry reply lacks Content-Length; it may be misconfigured or behind a rewriting proxy.',
    );
  }
  return { mediaType: OCTET_STREAM, digest, size };
}

/** Streams a blob; the stream throws an integrity error at its end if digest or size do not match. */
export async function* fetchBlob(target: RegistryTarget, descriptor: Descriptor): AsyncGenerator<Uint8Array> {
  const res = await openBlob(target, descriptor);
  if (res.body === null) {
    yield* verifyStream(emptySource(), descriptor.digest, descriptor.size);
    return;
  }
  yield* verifyStream(res.body, descriptor.digest, descriptor.size);
}

/** Reads a whole blob into memory (verified), refusing more than `maxBytes`. */
export async function fetchBlobBytes(
  target: RegistryTarget,
  descriptor: Descriptor,
  maxBytes: number,
): Promise<Uint8Array> {
  if (descriptor.size > maxBytes) {
    throw usageError(
      'BLOB_TOO_LARGE',
      `blob ${where(target, descriptor.digest)} is ${descriptor.size} bytes, over the ${maxBytes}-byte limit`,
      'This content is too large to read into memory here.',
    );
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of fetchBlob(target, descriptor)) chunks.push(chunk);
  return concatBytes(chunks);
}

async function openBlob(target: RegistryTarget, descriptor: Descriptor): Promise<RegistryResponse> {
  parseDigest(descriptor.digest);
  const res = await target.transport.request({
    method: 'GET',
    path: blobPath(target, descriptor.digest),
    repository: target.repository,
    actions: ['pull'],
    followRedirects: true,
    idempotent: true,
    requestClass: 'blob',
  });
  if (res.status === 404) {
    await discardBody(res);
    throw notFoundError(
      'BLOB_UNKNOWN',
      `blob ${where(target, descriptor.digest)} not found`,
      'The content was never pushed to this repository, or was deleted.',
    );
  }
  if (res.status !== 200)
    throw await errorFromResponse(
      res,
      replyContext(target, 'fetch blob', { digest: descriptor.digest, kind: 'blob' }),
    );
  const declared = contentLength(res);
  if (declared !== undefined && declared !== descriptor.size) {
    await discardBody(res);
    throw integrityError(
      'SIZE_MISMATCH',
      `blob ${where(target, descriptor.digest)} is ${declared} bytes, its descriptor says ${descriptor.size}`,
      'The content was truncated or replaced; do not trust it.',
    );
  }
  return res;
}

async function* emptySource(): AsyncGenerator<Uint8Array> {}
