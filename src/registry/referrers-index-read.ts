/**
 * The validated read of a referrers tag-schema index: GET the `<alg>-<hex>` tag and accept it only
 * when it is an OCI image index of referrers. Any pusher can write that tag, so the read refuses to
 * treat as a listing (and a writer refuses to overwrite):
 * - a reply whose Docker-Content-Digest disagrees with its bytes;
 * - the subject itself (some registries answer `sha256-<hex>` tags with the manifest of that digest);
 * - another manifest, or an image index whose entries name platforms (someone's image tagged so).
 * Listings read through such a tag (no metadata from it, a warning) rather than fail; writes throw.
 *
 * A missing tag is an empty index. A writer that knows the tag exists re-checks a 404 twice, 40 ms
 * apart: distribution writes its tag links non-atomically, so a concurrent write can show a 404.
 */
import { conflictError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { digestOf } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES, OCI_INDEX } from '../oci/media-types.ts';
import { parseJsonObject } from '../util/json-record.ts';
import { errorFromResponse } from './http/response-errors.ts';
import { asDescriptor, MANIFEST_ACCEPT, mediaTypeOfHeader } from './manifest-info.ts';
import { type IndexSnapshot, referrersTag } from './referrers-index-model.ts';
import { registryQuirks } from './registry-quirks.ts';
import { manifestPath, type RegistryTarget, replyContext } from './registry-target.ts';
import { discardBody, readLimited } from './response-body.ts';
import {
  MISSING_TAG_RECHECK_MS,
  MISSING_TAG_RECHECKS,
  rememberLatency,
  systemClock,
  type TagSchemaClock,
} from './tag-schema-timing.ts';

const GENERIC_CONTENT_TYPES = new Set(['application/json', 'application/octet-stream', 'text/plain']);

/** Reads the fallback index of a subject. */
export async function readReferrersIndex(
  target: RegistryTarget,
  subjectDigest: string,
  clock: TagSchemaClock = systemClock,
  forWrite = false,
  expectExisting = false,
): Promise<IndexSnapshot> {
  const tag = referrersTag(subjectDigest);
  const quirks = registryQuirks(target.transport);
  for (let recheck = 0; ; recheck++) {
    const readStartedAt = clock.now();
    const res = await target.transport.request({
      method: 'GET',
      path: manifestPath(target, tag),
      repository: target.repository,
      // A writer asks for push up front so the token covers the write without a token round trip.
      actions: forWrite ? ['pull', 'push'] : ['pull'],
      headers: { Accept: MANIFEST_ACCEPT },
      idempotent: true,
      requestClass: 'referrers',
    });
    if (res.status === 404) {
      await discardBody(res);
      if (expectExisting && recheck < MISSING_TAG_RECHECKS) {
        await clock.sleep(MISSING_TAG_RECHECK_MS);
        continue;
      }
      const observedAt = clock.now();
      rememberLatency(quirks, observedAt - readStartedAt, observedAt);
      return { digest: undefined, etag: undefined, manifests: [], readStartedAt, observedAt };
    }
    if (res.status !== 200) {
      throw await errorFromResponse(
        res,
        replyContext(target, 'read referrers index', { reference: tag, kind: 'manifest' }),
      );
    }
    const bytes = await readLimited(res, MAX_MANIFEST_BYTES, `referrers index ${indexLocation(target, tag)}`);
    const observedAt = clock.now();
    rememberLatency(quirks, observedAt - readStartedAt, observedAt);
    const headerDigest = res.headers.get('docker-content-digest')?.trim();
    const digest = digestOf(bytes);
    if (headerDigest?.startsWith('sha256:') && headerDigest !== digest) {
      throw conflictError(
        'REFERRERS_TAG_INCONSISTENT',
        `the referrers tag ${indexLocation(target, tag)} answered with digest ${headerDigest} but content ${digest}`,
        'The registry returned inconsistent data; retry.',
      );
    }
    if (headerDigest === subjectDigest || digest === subjectDigest) {
      throw conflictError(
        'REFERRERS_TAG_CONFLICT',
        `the registry resolves the referrers tag ${indexLocation(target, tag)} to the subject ${subjectDigest} itself`,
        'This registry treats "<alg>-<hex>" tags as digests, so the referrers tag schema cannot be used on it; use a registry with the OCI referrers API.',
      );
    }
    const body = parseJsonObject(bytes);
    const contentType = mediaTypeOfHeader(res.headers.get('content-type'));
    const declared = typeof body?.mediaType === 'string' ? body.mediaType : undefined;
    const mediaType = declared ?? contentType;
    const headerAgrees =
      contentType === undefined || contentType === OCI_INDEX || GENERIC_CONTENT_TYPES.has(contentType);
    const isIndex =
      body !== undefined && Array.isArray(body.manifests) && mediaType === OCI_INDEX && headerAgrees;
    // An index whose entries name platforms is an image (someone tagged it "sha256-<hex>"), not a list
    // of referrers: rewriting it as one would drop its platforms.
    const isImage =
      isIndex &&
      (body.manifests as unknown[]).some((e) => typeof e === 'object' && e !== null && 'platform' in e);
    if (!isIndex || isImage || body === undefined) {
      const holds = isImage
        ? 'an image index with platform entries'
        : contentType !== undefined && !headerAgrees
          ? contentType
          : (mediaType ?? 'something');
      const notReferrers = conflictError(
        'REFERRERS_TAG_CONFLICT',
        `the referrers tag ${indexLocation(target, tag)} holds ${holds}, not a referrers index; manifesto will not overwrite it`,
        `Something else uses the tag "${tag}". Move that content to another tag, then retry.`,
      );
      if (forWrite) throw notReferrers;
      // Reads go through it: no metadata comes from it, and the command goes on.
      target.warn?.(`${notReferrers.message}: no metadata read from it`);
      return { digest, etag: undefined, manifests: [], readStartedAt, observedAt, notReferrers };
    }
    const manifests: Descriptor[] = [];
    for (const entry of body.manifests as unknown[]) {
      const descriptor = asDescriptor(entry);
      if (descriptor !== undefined) manifests.push(descriptor);
    }
    return { digest, etag: res.headers.get('etag') ?? undefined, manifests, readStartedAt, observedAt };
  }
}

/** `registry/repository:tag`, for messages. */
export function indexLocation(target: RegistryTarget, tag: string): string {
  return `${target.transport.registry}/${target.repository}:${tag}`;
}
