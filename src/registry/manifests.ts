/**
 * Manifest endpoints: resolve (HEAD, GET fallback), fetch (size-limited, digest-verified), push, delete.
 */

import type { FetchedManifest } from '../content/repository.ts';
import { integrityError, notFoundError, usageError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { digestOf, isDigest, tryParseDigest, verifyBytes } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES } from '../oci/media-types.ts';
import type { RegistryResponse } from './http/response.ts';
import { errorFromResponse } from './http/response-errors.ts';
import {
  MANIFEST_ACCEPT,
  type ManifestInfo,
  manifestInfo,
  manifestMediaType,
  mediaTypeOfHeader,
} from './manifest-info.ts';
import { checkReference, manifestPath, type RegistryTarget, replyContext } from './registry-target.ts';
import { contentLength, discardBody, readLimited } from './response-body.ts';

export interface FetchedManifestWithInfo extends FetchedManifest {
  info: ManifestInfo | undefined;
  /** The ETag header, for conditional writes. */
  etag: string | undefined;
}

function where(target: RegistryTarget, reference: string): string {
  const separator = isDigest(reference) ? '@' : ':';
  return `${target.transport.registry}/${target.repository}${separator}${reference}`;
}

function notFound(target: RegistryTarget, reference: string) {
  return notFoundError(
    'MANIFEST_UNKNOWN',
    `manifest ${where(target, reference)} not found`,
    'Check the tag or digest, and that it was pushed to this repository.',
  );
}

type ManifestActions = readonly ('pull' | 'push' | 'delete')[];

/** A HEAD or GET of a manifest reference, accepting every manifest media type. */
function requestManifest(
  target: RegistryTarget,
  reference: string,
  method: 'HEAD' | 'GET',
  actions: ManifestActions = ['pull'],
): Promise<RegistryResponse> {
  return target.transport.request({
    method,
    path: manifestPath(target, reference),
    repository: target.repository,
    actions,
    headers: { Accept: MANIFEST_ACCEPT },
    idempotent: true,
    requestClass: 'manifest',
  });
}

/** Resolves a tag or digest: HEAD with the full Accept list, falling back to GET when HEAD says too little. */
export async function resolveManifest(target: RegistryTarget, reference: string): Promise<Descriptor> {
  checkReference(reference);
  const res = await requestManifest(target, reference, 'HEAD');
  await discardBody(res);
  if (res.status === 404) throw notFound(target, reference);
  if (res.status === 401 || res.status === 403) {
    throw await errorFromResponse(
      res,
      replyContext(target, 'resolve manifest', { reference, kind: 'manifest' }),
    );
  }
  if (res.status === 200) {
    const headerDigest = res.headers.get('docker-content-digest')?.trim();
    const mediaType = mediaTypeOfHeader(res.headers.get('content-type'));
    const size = contentLength(res);
    const usable =
      headerDigest !== undefined &&
      tryParseDigest(headerDigest) !== undefined &&
      mediaType !== undefined &&
      mediaType !== 'application/json' &&
      mediaType !== 'application/octet-stream' &&
      mediaType !== 'text/plain' &&
      size !== undefined;
    // A digest reference with a different-algorithm header digest: only a GET can verify.
    const sameDomain = !isDigest(reference) || (headerDigest !== undefined && headerDigest === reference);
    if (usable && sameDomain) {
      if (size > MAX_MANIFEST_BYTES) throw manifestTooLarge(target, reference, size);
      return { mediaType, digest: headerDigest, size };
    }
  }
  // HEAD unsupported, or it lacked the digest or type: GET tells everything (and is verified).
  const fetched = await fetchManifest(target, reference);
  return fetched.descriptor;
}

/** GETs a manifest: size-limited (Content-Length and while reading), verified against its digest. */
export async function fetchManifest(
  target: RegistryTarget,
  reference: string,
): Promise<FetchedManifestWithInfo> {
  checkReference(reference);
  const res = await requestManifest(target, reference, 'GET');
  return readManifestReply(target, reference, res);
}

/** Turns a manifest GET reply into verified bytes and a descriptor (404 → not-found error). */
export async function readManifestReply(
  target: RegistryTarget,
  reference: string,
  res: RegistryResponse,
): Promise<FetchedManifestWithInfo> {
  if (res.status === 404) {
    await discardBody(res);
    throw notFound(target, reference);
  }
  if (res.status !== 200) {
    throw await errorFromResponse(
      res,
      replyContext(target, 'fetch manifest', { reference, kind: 'manifest' }),
    );
  }
  const declared = contentLength(res);
  if (declared !== undefined && declared > MAX_MANIFEST_BYTES) {
    await discardBody(res);
    throw manifestTooLarge(target, reference, declared);
  }
  const bytes = await readLimited(res, MAX_MANIFEST_BYTES, `manifest ${where(target, reference)}`);
  const headerDigest = res.headers.get('docker-content-digest')?.trim();
  // Verify against the digest asked for; for a tag, against the registry's digest header; else compute.
  let digest: string;
  if (isDigest(reference)) digest = reference;
  else if (headerDigest !== undefined && tryParseDigest(headerDigest) !== undefined) digest = headerDigest;
  else digest = digestOf(bytes);
  verifyBytes(bytes, digest);
  const info = manifestInfo(bytes);
  const mediaType = manifestMediaType(res.headers.get('content-type'), info);
  if (mediaType === undefined) {
    throw integrityError(
      'MANIFEST_INVALID',
      `manifest ${where(target, reference)} has no media type (no Content-Type, no mediaType field)`,
      'The registry returned something that is not a manifest.',
    );
  }
  return {
    descriptor: { mediaType, digest, size: bytes.byteLength },
    bytes,
    info,
    etag: res.headers.get('etag') ?? undefined,
  };
}

export interface PutManifestResult {
  digest: string;
  /** The `OCI-Subject` reply header: the registry processed the subject (referrers API). */
  ociSubject: string | undefined;
}

/** PUTs manifest bytes by tag or by their digest. */
export async function putManifest(
  target: RegistryTarget,
  bytes: Uint8Array,
  mediaType: string,
  reference: string | undefined,
  headers?: Record<string, string>,
): Promise<PutManifestResult> {
  checkManifestSize(bytes);
  const digest = digestOf(bytes);
  const ref = reference ?? digest;
  checkReference(ref);
  const res = await target.transport.request({
    method: 'PUT',
    path: manifestPath(target, ref),
    repository: target.repository,
    actions: ['pull', 'push'],
    headers: { 'Content-Type': mediaType, ...headers },
    body: bytes,
    idempotent: true,
    requestClass: 'manifest',
  });
  if (res.status < 200 || res.status > 299) {
    throw await errorFromResponse(
      res,
      replyContext(target, 'push manifest', { reference: ref, kind: 'manifest', actions: ['pull', 'push'] }),
    );
  }
  await discardBody(res);
  const stored = res.headers.get('docker-content-digest')?.trim();
  const storedParsed = stored === undefined ? undefined : tryParseDigest(stored);
  if (stored !== undefined && storedParsed?.algorithm === 'sha256' && stored !== digest) {
    throw integrityError(
      'DIGEST_MISMATCH',
      `the registry stored manifest ${where(target, ref)} as ${stored}, but its bytes have digest ${digest}`,
      'The registry rewrote the manifest; manifesto cannot reference it by digest reliably.',
    );
  }
  return { digest, ociSubject: res.headers.get('oci-subject')?.trim() || undefined };
}

export function checkManifestSize(bytes: Uint8Array): void {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw usageError(
      'MANIFEST_TOO_LARGE',
      `manifest of ${bytes.byteLength} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit`,
      'Registries need not accept manifests over 4 MiB; move content into blobs.',
    );
  }
}

/** The outcome of a manifest DELETE: deleted, already absent, or refused by the registry. */
export type DeleteOutcome = 'deleted' | 'absent' | 'unsupported';

/** DELETEs a manifest by digest (or a tag); 404 and 405 are reported, other failures thrown. */
export async function deleteManifestReference(
  target: RegistryTarget,
  reference: string,
): Promise<DeleteOutcome> {
  checkReference(reference);
  const res = await target.transport.request({
    method: 'DELETE',
    path: manifestPath(target, reference),
    repository: target.repository,
    actions: ['delete'],
    idempotent: true,
    requestClass: 'manifest',
  });
  if (res.status >= 200 && res.status <= 299) {
    await discardBody(res);
    return 'deleted';
  }
  if (res.status === 404) {
    await discardBody(res);
    return 'absent';
  }
  const error = await errorFromResponse(
    res,
    replyContext(target, 'delete manifest', { reference, kind: 'manifest', actions: ['delete'] }),
  );
  if (error.category === 'unsupported') return 'unsupported';
  throw error;
}

/** HEADs a manifest reference: its digest, or undefined when absent (404). */
export async function headManifestDigest(
  target: RegistryTarget,
  reference: string,
  actions: ManifestActions = ['pull'],
): Promise<{ digest: string | undefined; status: number }> {
  const res = await requestManifest(target, reference, 'HEAD', actions);
  await discardBody(res);
  if (res.status === 404) return { digest: undefined, status: 404 };
  if (res.status !== 200) {
    throw await errorFromResponse(
      res,
      replyContext(target, 'resolve manifest', { reference, kind: 'manifest' }),
    );
  }
  const digest = res.headers.get('docker-content-digest')?.trim();
  return { digest: digest !== undefined && isDigest(digest) ? digest : undefined, status: 200 };
}

function manifestTooLarge(target: RegistryTarget, reference: string, size: number) {
  return integrityError(
    'MANIFEST_TOO_LARGE',
    `manifest ${where(target, reference)} is ${size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
    'manifesto does not read manifests over 4 MiB.',
  );
}

export { where as describeReference };
