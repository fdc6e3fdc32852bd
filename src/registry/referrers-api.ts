/**
 * Listing referrers through the OCI referrers API: `GET /v2/<name>/referrers/<digest>[?artifactType=]`,
 * following `Link: <...>; rel="next"` pages (at most MAX_PAGES, loops detected). The artifactType filter
 * is always (re)applied locally, so the result honours it whether or not the registry did.
 *
 * Registry quirk handled: go-containerregistry's registry reports the config media type as artifactType
 * even when the manifest has its own `artifactType`, and drops annotations. A listed artifactType that
 * cannot be right (missing, or the empty-config type application/vnd.oci.empty.v1+json, which the
 * image-spec forbids as an artifact type) is repaired from the manifest itself (one GET per such entry,
 * cached by digest for the process since manifests are immutable).
 */
import { conflictError, isManifestoError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { MAX_MANIFEST_BYTES, OCI_EMPTY } from '../oci/media-types.ts';
import { forEachLimit } from '../util/pool.ts';
import { type ReferrersReply, requestReferrersUrl } from './capabilities.ts';
import { nextPageUrl } from './link-header.ts';
import { asDescriptor, manifestInfo } from './manifest-info.ts';
import { fetchManifest } from './manifests.ts';
import type { RegistryTarget } from './registry-target.ts';

export const MAX_REFERRERS_PAGES = 100;

export interface ApiListing {
  manifests: Descriptor[];
}

/**
 * All referrers, starting from an already classified first page (the probe's reply), filtered by
 * `artifactType` when given.
 */
export async function listReferrersFromApi(
  target: RegistryTarget,
  first: Extract<ReferrersReply, { kind: 'index' }>,
  firstUrl: string,
  artifactType: string | undefined,
): Promise<ApiListing> {
  const collected: Descriptor[] = [];
  const seenDigests = new Set<string>();
  const visited = new Set<string>([firstUrl]);
  let page = first;
  let url = firstUrl;
  for (let pages = 1; ; pages++) {
    for (const entry of Array.isArray(page.body.manifests) ? page.body.manifests : []) {
      const descriptor = asDescriptor(entry);
      if (descriptor !== undefined && !seenDigests.has(descriptor.digest)) {
        seenDigests.add(descriptor.digest);
        collected.push(descriptor);
      }
    }
    const next = nextPageUrl(page.res, url);
    if (next === undefined) break;
    if (visited.has(next)) {
      throw conflictError(
        'REFERRERS_PAGINATION_LOOP',
        `the referrers listing of ${target.transport.registry}/${target.repository} links back to a page already read`,
        'The registry paginates inconsistently; retry, or report it to the registry operator.',
      );
    }
    if (pages >= MAX_REFERRERS_PAGES) {
      throw conflictError(
        'REFERRERS_TOO_MANY_PAGES',
        `the referrers listing of ${target.transport.registry}/${target.repository} has more than ${MAX_REFERRERS_PAGES} pages`,
        'Filter by artifact type to narrow the listing.',
      );
    }
    visited.add(next);
    const { reply } = await requestReferrersUrl(target, next);
    if (reply.kind !== 'index') {
      throw conflictError(
        'REFERRERS_PAGE_INVALID',
        `page ${pages + 1} of the referrers listing of ${target.transport.registry}/${target.repository} is not an OCI index`,
        'The registry changed its answer mid-listing; retry.',
      );
    }
    page = reply;
    url = next;
  }
  const repaired = await repairArtifactTypes(target, collected);
  return {
    manifests:
      artifactType === undefined ? repaired : repaired.filter((d) => d.artifactType === artifactType),
  };
}

/**
 * Manifests this process fetched while repairing a listing, kept when there is no on-disk cache: the
 * read that follows (get pins the content with the version manifest) then costs no second GET.
 * At most 64 manifests / 8 MiB (a get reads one version; a list reads none).
 */
const RECENT_LIMIT = 64;
const RECENT_BYTES = 8 * 1024 * 1024;
const recent = new Map<string, Uint8Array>();
let recentBytes = 0;

function rememberFetched(digest: string, bytes: Uint8Array): void {
  if (recent.has(digest) || bytes.byteLength > RECENT_BYTES) return;
  recent.set(digest, bytes);
  recentBytes += bytes.byteLength;
  for (const [oldest, old] of recent) {
    if (recent.size <= RECENT_LIMIT && recentBytes <= RECENT_BYTES) break;
    recent.delete(oldest);
    recentBytes -= old.byteLength;
  }
}

/** A manifest this process fetched while repairing a listing (verified then), if still kept. */
export function recentlyFetchedManifest(digest: string): Uint8Array | undefined {
  return recent.get(digest);
}

interface RepairedFields {
  artifactType: string | undefined;
  annotations: Record<string, string> | undefined;
}

const REPAIR_CACHE_LIMIT = 10_000;
/** Per digest: the fields, or why the referrer is skipped (manifests are immutable). */
const repairCache = new Map<string, RepairedFields | string>();
const REPAIR_CONCURRENCY = 8;

function needsRepair(descriptor: Descriptor): boolean {
  return descriptor.artifactType === undefined || descriptor.artifactType === OCI_EMPTY;
}

/**
 * Referrers listed with a missing or empty-config artifactType, with artifactType (and, when the listing
 * has none, annotations) taken from the manifest. Used for tag-schema indexes too: cosign writes its
 * Sigstore bundle entries with the config media type as artifactType.
 */
export async function repairArtifactTypes(
  target: RegistryTarget,
  descriptors: readonly Descriptor[],
): Promise<Descriptor[]> {
  const out: (Descriptor | undefined)[] = [...descriptors];
  const pending = out.map((d, i) => [d!, i] as const).filter(([d]) => needsRepair(d));
  await forEachLimit(pending, REPAIR_CONCURRENCY, async ([descriptor, index]) => {
    const fields = await repairedFields(target, descriptor);
    if (typeof fields === 'string') {
      // One bad referrer (anyone who can push can attach one) must not hide the others.
      target.warn?.(
        `skipped referrer ${descriptor.digest} of ${target.transport.registry}/${target.repository}: ${fields}`,
      );
      out[index] = undefined;
      return;
    }
    const fixed: Descriptor = { ...descriptor };
    if (fields.artifactType !== undefined) fixed.artifactType = fields.artifactType;
    if (fixed.annotations === undefined && fields.annotations !== undefined)
      fixed.annotations = fields.annotations;
    out[index] = fixed;
  });
  const kept = out.filter((d) => d !== undefined);
  await restoreCachedAnnotations(target, kept);
  return kept;
}

/**
 * Entries listed with an artifactType but without annotations (refreg drops them): annotations from
 * the on-disk manifest cache when this machine has the manifest (it wrote it, or read it before).
 * No request: an entry that is not cached stays as listed.
 */
async function restoreCachedAnnotations(target: RegistryTarget, out: Descriptor[]): Promise<void> {
  const cache = target.manifestCache;
  if (cache === undefined) return;
  await Promise.all(
    out.map(async (descriptor, index) => {
      if (descriptor.annotations !== undefined) return;
      const bytes = await cache.read(descriptor.digest).catch(() => undefined);
      const annotations = bytes === undefined ? undefined : manifestInfo(bytes)?.annotations;
      if (annotations !== undefined) out[index] = { ...descriptor, annotations };
    }),
  );
}

/** The fields from the manifest, or why the referrer is skipped (deleted since listed, or too large). */
async function repairedFields(
  target: RegistryTarget,
  descriptor: Descriptor,
): Promise<RepairedFields | string> {
  const cached = repairCache.get(descriptor.digest);
  if (cached !== undefined) return cached;
  let fields: RepairedFields;
  try {
    const cachedBytes = await target.manifestCache?.read(descriptor.digest);
    const info = cachedBytes === undefined ? undefined : manifestInfo(cachedBytes);
    if (info !== undefined) {
      fields = { artifactType: info.artifactType, annotations: info.annotations };
    } else {
      const fetched = await fetchManifest(target, descriptor.digest);
      fields = { artifactType: fetched.info?.artifactType, annotations: fetched.info?.annotations };
      await target.manifestCache?.write(descriptor.digest, fetched.bytes);
      if (target.manifestCache === undefined) rememberFetched(descriptor.digest, fetched.bytes);
    }
  } catch (error) {
    // A referrer deleted since the listing, or over the manifest size limit: skipped. Other integrity
    // failures (a digest mismatch) propagate.
    if (isManifestoError(error) && error.category === 'not-found') return 'its manifest is gone';
    if (
      isManifestoError(error) &&
      (error.code === 'MANIFEST_TOO_LARGE' || error.code === 'CONTENT_TOO_LARGE')
    ) {
      const reason = `its manifest is over the ${MAX_MANIFEST_BYTES}-byte limit`;
      repairCache.set(descriptor.digest, reason);
      return reason;
    }
    throw error;
  }
  if (repairCache.size >= REPAIR_CACHE_LIMIT) repairCache.clear();
  repairCache.set(descriptor.digest, fields);
  return fields;
}
