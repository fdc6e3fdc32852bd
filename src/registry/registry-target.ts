/**
 * One repository of one registry, as seen by the registry operations: the transport to talk through and
 * the repository name. Also the URL paths of the distribution-spec endpoints for it.
 */
import { usageError } from '../errors/errors.ts';
import { isDigest } from '../oci/digest.ts';
import type { ResponseContext } from './http/response-errors.ts';
import type { RegistryTransport } from './http/types.ts';
import type { ManifestCache } from './manifest-cache.ts';

export interface RegistryTarget {
  readonly transport: RegistryTransport;
  readonly repository: string;
  /** Manifests by digest, shared across processes (optional; see manifest-cache.ts). */
  readonly manifestCache?: ManifestCache | undefined;
  /**
   * Told about what a listing leaves out (a referrer too large to read, or deleted since it was listed):
   * one bad referrer is skipped, never allowed to hide the others. The CLI prints it as a warning.
   */
  readonly warn?: ((message: string) => void) | undefined;
}

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const REPOSITORY_PATTERN =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function isTag(value: string): boolean {
  return TAG_PATTERN.test(value);
}

/** Throws a usage error unless `reference` is a tag or a digest. */
export function checkReference(reference: string): void {
  if (!isTag(reference) && !isDigest(reference)) {
    throw usageError(
      'REFERENCE_INVALID',
      `"${reference}" is neither a tag nor a digest`,
      'A tag is up to 128 letters, digits, "_", "." or "-" (not starting with "." or "-"); a digest is sha256:<64 hex>.',
    );
  }
}

export function checkRepositoryName(repository: string): void {
  if (repository.length >= 256 || !REPOSITORY_PATTERN.test(repository)) {
    throw usageError(
      'REPOSITORY_INVALID',
      `invalid repository name "${repository}"`,
      'Repository names are lower-case path components ([a-z0-9] separated by ".", "_", "__" or "-"), joined by "/".',
    );
  }
}

export function manifestPath(target: RegistryTarget, reference: string): string {
  return `/v2/${target.repository}/manifests/${reference}`;
}

export function blobPath(target: RegistryTarget, digest: string): string {
  return `/v2/${target.repository}/blobs/${digest}`;
}

export function uploadsPath(target: RegistryTarget): string {
  return `/v2/${target.repository}/blobs/uploads/`;
}

export function tagsPath(target: RegistryTarget): string {
  return `/v2/${target.repository}/tags/list`;
}

export function referrersPath(target: RegistryTarget, digest: string): string {
  return `/v2/${target.repository}/referrers/${digest}`;
}

/** Where a `Location` (or `Link`) header points, as an absolute URL (they may be relative). */
export function resolveLocation(base: string, location: string): string {
  return new URL(location, base).toString();
}

/** Appends a query parameter to a URL that may already carry a query (upload locations do). */
export function withQuery(url: string, name: string, value: string): string {
  const hashless = url.split('#')[0]!;
  const separator = hashless.includes('?')
    ? hashless.endsWith('?') || hashless.endsWith('&')
      ? ''
      : '&'
    : '?';
  return `${hashless}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

/** The registry + repository key capability and strategy caches use. */
export function targetKey(target: RegistryTarget): string {
  return `${target.transport.registry}/${target.repository}`;
}

/** The context of an error reply for `errorFromResponse`: what was done, where. */
export function replyContext(
  target: RegistryTarget,
  operation: string,
  extra: Omit<ResponseContext, 'operation' | 'repository' | 'registry'> = {},
): ResponseContext {
  return { operation, repository: target.repository, registry: target.transport.registry, ...extra };
}
