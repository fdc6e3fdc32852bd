/**
 * Blob uploads, choosing the cheapest way the registry supports and remembering it in the transport's
 * record (registry-quirks.ts):
 *
 * - first a HEAD (an existing blob is not uploaded again), unless the caller says the content is new
 *   (`existenceCheck: false`);
 * - small in-memory blobs: monolithic `POST ?digest=` (one request where the registry supports it, as
 *   go-containerregistry's registry does); a registry answering 202 (distribution 2.8) gets the content
 *   in a PUT to the session it opened, and later uploads go straight to POST session + PUT. Once
 *   supported, every upload is monolithic;
 * - in-memory blobs: POST session + one PUT with the bytes;
 * - streams: POST session + one streamed PUT with Content-Length; if the registry refuses a body on
 *   the closing PUT, chunked PATCHes (size from `OCI-Chunk-Min-Length` or the configured chunk size)
 *   and an empty closing PUT, remembered for later uploads.
 *
 * A failed session (network failure after the transport's own retries, upload unknown) is restarted
 * once from the POST, re-opening the source stream.
 */

import type { BlobSource, StreamSource } from '../content/repository.ts';
import { isManifestoError, type ManifestoError, usageError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { DigestVerifier, parseDigest } from '../oci/digest.ts';
import { statBlob } from './blobs.ts';
import type { RegistryResponse } from './http/response.ts';
import { errorFromResponse } from './http/response-errors.ts';
import type { RegistryTransport } from './http/types.ts';
import { registryQuirks, type UploadStrategy } from './registry-quirks.ts';
import {
  type RegistryTarget,
  replyContext,
  resolveLocation,
  uploadsPath,
  withQuery,
} from './registry-target.ts';
import { discardBody } from './response-body.ts';

export interface BlobUploadOptions {
  /** In-memory blobs up to this size try a monolithic POST while its support is unknown. Default 1 MiB. */
  smallBlobBytes?: number | undefined;
  /** Chunk size for chunked uploads. Default 16 MiB. */
  chunkBytes?: number | undefined;
}

const DEFAULT_SMALL = 1024 * 1024;
const DEFAULT_CHUNK = 16 * 1024 * 1024;
const OCTET_STREAM = 'application/octet-stream';

/** What the transport's registry turned out to support, kept in its record (registry-quirks.ts). */
export function uploadStrategy(transport: RegistryTransport): UploadStrategy {
  return registryQuirks(transport).upload;
}

function uploadContext(target: RegistryTarget, descriptor: Descriptor) {
  return replyContext(target, 'push blob', {
    digest: descriptor.digest,
    kind: 'upload',
    actions: ['pull', 'push'],
  });
}

export async function pushBlob(
  target: RegistryTarget,
  descriptor: Descriptor,
  content: BlobSource,
  options: BlobUploadOptions = {},
  existenceCheck = true,
): Promise<void> {
  parseDigest(descriptor.digest);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw usageError('DESCRIPTOR_INVALID', `invalid blob size ${descriptor.size}`, 'Sizes are byte counts.');
  }
  if (content instanceof Uint8Array) checkBytes(content, descriptor);
  const strategy = uploadStrategy(target.transport);
  const small =
    content instanceof Uint8Array && content.byteLength <= (options.smallBlobBytes ?? DEFAULT_SMALL);
  if (existenceCheck && (await statBlob(target, descriptor.digest)) !== undefined) return;

  if (strategy.monolithicPost === true || (strategy.monolithicPost === undefined && small)) {
    const location = await monolithicPost(target, descriptor, content, strategy);
    if (location === undefined) return;
    // The registry opened a session instead (202): finish it with the content.
    if (await finishSession(target, descriptor, content, location, strategy, options, false)) return;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const location = await openSession(target, descriptor);
      if (await finishSession(target, descriptor, content, location, strategy, options, true)) return;
    } catch (error) {
      if (attempt >= 2 || !restartable(error)) throw error;
    }
  }
}

/** A session failure worth one restart from POST: network trouble, or the registry lost the session. */
function restartable(error: unknown): boolean {
  if (!isManifestoError(error)) return false;
  if (error.category === 'unavailable') return true;
  return error.registryErrors.some((e) => e.code === 'BLOB_UPLOAD_UNKNOWN');
}

/** Caller bytes must match the descriptor: uploading wrong content under a digest is a usage error. */
function checkBytes(bytes: Uint8Array, descriptor: Descriptor): void {
  const verifier = new DigestVerifier(descriptor.digest);
  verifier.update(bytes);
  try {
    if (bytes.byteLength !== descriptor.size) throw new Error('size');
    verifier.verify();
  } catch {
    throw usageError(
      'BLOB_CONTENT_MISMATCH',
      `the content to upload (${bytes.byteLength} bytes) does not match its descriptor ${descriptor.digest} (${descriptor.size} bytes)`,
      'Compute the descriptor from the exact bytes being uploaded.',
    );
  }
}

/** POST ?digest= with the content: undefined when stored (201), else the session location (202). */
async function monolithicPost(
  target: RegistryTarget,
  descriptor: Descriptor,
  content: BlobSource,
  strategy: UploadStrategy,
): Promise<string | undefined> {
  const res = await target.transport.request({
    method: 'POST',
    path: withQuery(uploadsPath(target), 'digest', descriptor.digest),
    repository: target.repository,
    actions: ['pull', 'push'],
    headers: { 'Content-Type': OCTET_STREAM, 'Content-Length': String(descriptor.size) },
    body: content,
    idempotent: true,
    requestClass: 'upload',
  });
  if (res.status === 201) {
    await discardBody(res);
    strategy.monolithicPost = true;
    return undefined;
  }
  if (res.status === 202) {
    await discardBody(res);
    strategy.monolithicPost = false;
    return sessionLocation(target, res, descriptor);
  }
  if (res.status === 400 || res.status === 405 || res.status === 415) {
    // Not spec-conformant (it should answer 202), but some registries refuse a monolithic POST outright.
    await discardBody(res);
    strategy.monolithicPost = false;
    return openSession(target, descriptor);
  }
  throw await errorFromResponse(res, uploadContext(target, descriptor));
}

async function openSession(target: RegistryTarget, descriptor: Descriptor): Promise<string> {
  const res = await target.transport.request({
    method: 'POST',
    path: uploadsPath(target),
    repository: target.repository,
    actions: ['pull', 'push'],
    headers: { 'Content-Length': '0' },
    idempotent: false,
    requestClass: 'upload',
  });
  if (res.status !== 202) throw await errorFromResponse(res, uploadContext(target, descriptor));
  await discardBody(res);
  return sessionLocation(target, res, descriptor);
}

async function sessionLocation(
  target: RegistryTarget,
  res: RegistryResponse,
  descriptor: Descriptor,
): Promise<string> {
  const location = res.headers.get('location');
  if (location === null || location.trim() === '') {
    throw await errorFromResponse(res, uploadContext(target, descriptor));
  }
  return resolveLocation(`${target.transport.baseUrl.replace(/\/$/, '')}/`, location.trim());
}

/**
 * Sends the content into an open session and closes it. Returns false when the registry refused a body
 * on the closing PUT of a stream (the caller retries chunked with a fresh session).
 */
async function finishSession(
  target: RegistryTarget,
  descriptor: Descriptor,
  content: BlobSource,
  location: string,
  strategy: UploadStrategy,
  options: BlobUploadOptions,
  mayFallBack: boolean,
): Promise<boolean> {
  if (content instanceof Uint8Array || strategy.streamedPut !== false) {
    try {
      await closingPut(target, descriptor, location, content);
      if (!(content instanceof Uint8Array)) strategy.streamedPut = true;
      return true;
    } catch (error) {
      if (content instanceof Uint8Array || !mayFallBack || !refusedBody(error)) throw error;
      strategy.streamedPut = false;
      return false;
    }
  }
  await chunkedUpload(target, descriptor, content, location, options);
  return true;
}

/** A refusal that means "no body on the closing PUT", not bad content or missing rights. */
function refusedBody(error: unknown): boolean {
  if (!isManifestoError(error) || error.status === undefined) return false;
  if (error.category === 'auth' || error.category === 'integrity') return false;
  return error.status === 400 || error.status === 405 || error.status === 411 || error.status === 416;
}

async function closingPut(
  target: RegistryTarget,
  descriptor: Descriptor,
  location: string,
  content: BlobSource | undefined,
): Promise<void> {
  const headers: Record<string, string> =
    content === undefined
      ? { 'Content-Length': '0' }
      : { 'Content-Type': OCTET_STREAM, 'Content-Length': String(descriptor.size) };
  const res = await target.transport.request({
    method: 'PUT',
    path: withQuery(location, 'digest', descriptor.digest),
    repository: target.repository,
    actions: ['pull', 'push'],
    headers,
    body: content,
    idempotent: true,
    requestClass: 'upload',
  });
  if (res.status === 201 || res.status === 204 || res.status === 200) {
    await discardBody(res);
    return;
  }
  const error: ManifestoError = await errorFromResponse(res, uploadContext(target, descriptor));
  // A retried PUT may find its session already completed: the blob being there is success.
  if (res.status === 404 && (await statBlob(target, descriptor.digest)) !== undefined) return;
  throw error;
}

async function chunkedUpload(
  target: RegistryTarget,
  descriptor: Descriptor,
  source: StreamSource,
  firstLocation: string,
  options: BlobUploadOptions,
): Promise<void> {
  let location = firstLocation;
  let chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
  let offset = 0;
  for await (const chunk of rechunk(source.open(), () => chunkBytes)) {
    const res = await target.transport.request({
      method: 'PATCH',
      path: location,
      repository: target.repository,
      actions: ['pull', 'push'],
      headers: {
        'Content-Type': OCTET_STREAM,
        'Content-Range': `${offset}-${offset + chunk.byteLength - 1}`,
        'Content-Length': String(chunk.byteLength),
      },
      body: chunk,
      idempotent: false,
      requestClass: 'upload',
    });
    if (res.status !== 202 && res.status !== 204) {
      throw await errorFromResponse(res, uploadContext(target, descriptor));
    }
    await discardBody(res);
    offset += chunk.byteLength;
    const next = res.headers.get('location');
    if (next !== null && next.trim() !== '') location = resolveLocation(location, next.trim());
    const minimum = Number(res.headers.get('oci-chunk-min-length') ?? '0');
    if (Number.isSafeInteger(minimum) && minimum > chunkBytes) chunkBytes = minimum;
  }
  if (offset !== descriptor.size) {
    throw usageError(
      'BLOB_CONTENT_MISMATCH',
      `the stream for ${descriptor.digest} had ${offset} bytes, its descriptor says ${descriptor.size}`,
      'Compute the descriptor from the exact content being uploaded.',
    );
  }
  await closingPut(target, descriptor, location, undefined);
}

/** Regroups a stream into chunks of `size()` bytes (the last one shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: () => number): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(size());
  let filled = 0;
  for await (let piece of source) {
    while (piece.byteLength > 0) {
      const take = Math.min(piece.byteLength, buffer.byteLength - filled);
      buffer.set(piece.subarray(0, take), filled);
      filled += take;
      piece = piece.subarray(take);
      if (filled === buffer.byteLength) {
        yield buffer;
        buffer = new Uint8Array(size());
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}
