/**
 * `put --all-platforms`: one version per platform of the index the reference names, in parallel,
 * each platform's failure its own (platform-put.ts has the single put and the steps both share).
 *
 * Each distinct content blob and the empty config are uploaded once before the platforms' versions
 * are pushed: parallel uploads of one blob race on some registries (distribution 2.8 rewrites the
 * repository's blob link in place, so a manifest PUT that checks it meanwhile fails with
 * MANIFEST_BLOB_UNKNOWN). For N platforms and one file: 2 blob uploads, not 2N.
 */
import { internalError, ManifestoError } from '../errors/errors.ts';
import type { Descriptor, Platform } from '../oci/descriptor.ts';
import { formatPlatform } from '../oci/platform.ts';
import type { PreparedContent } from './content-source.ts';
import { checkContentSubject, type PlatformPutBase, storeVersion, validateContent } from './platform-put.ts';
import { contentMediaType, type PutResult, pushEmptyConfig, pushVersionBlobs } from './put.ts';
import { type IndexInfo, type PlatformChild, resolveTarget } from './target.ts';

export interface AllPlatformsPutOptions<S> extends PlatformPutBase<S> {
  /** The content every platform gets... */
  content?: PreparedContent | undefined;
  /**
   * ...or each platform's own (prepared here, disposed after; `what` names it in warnings). A
   * platform whose content cannot be prepared fails alone.
   */
  contentFor?: ((platform: Platform) => Promise<{ content: PreparedContent; what: string }>) | undefined;
}

export interface PlatformPutOutcome<S> {
  platform: Platform;
  result?: PutResult | undefined;
  signed?: S | undefined;
  error?: ManifestoError | undefined;
}

export interface AllPlatformsPutResult<S> {
  index: Descriptor;
  outcomes: PlatformPutOutcome<S>[];
}

type PreparedPlatform =
  | { child: PlatformChild; content: PreparedContent; owned: boolean }
  | { child: PlatformChild; error: ManifestoError };

/** Uploads each distinct content blob once, and the empty config; the upload error of each digest. */
async function pushSharedBlobs<S>(
  options: PlatformPutBase<S>,
  prepared: readonly PreparedPlatform[],
): Promise<Map<string, ManifestoError>> {
  const distinct = new Map<string, PreparedContent>();
  for (const p of prepared)
    if ('content' in p && !distinct.has(p.content.digest)) distinct.set(p.content.digest, p.content);
  const failures = new Map<string, ManifestoError>();
  const { repository } = options;
  await Promise.all([
    ...[...distinct.values()].map(async (content) => {
      try {
        const mediaType = contentMediaType(content, options.mediaType);
        await pushVersionBlobs(repository, content, mediaType, { emptyConfig: false });
      } catch (error) {
        failures.set(content.digest, internalError(error));
      }
    }),
    (async () => {
      if (distinct.size === 0) return;
      try {
        await pushEmptyConfig(repository);
      } catch (error) {
        const failure = internalError(error);
        for (const digest of distinct.keys()) if (!failures.has(digest)) failures.set(digest, failure);
      }
    })(),
  ]);
  return failures;
}

async function preparePlatform<S>(
  options: AllPlatformsPutOptions<S>,
  index: IndexInfo,
  child: PlatformChild,
): Promise<PreparedPlatform> {
  const storedFor = {
    digest: child.descriptor.digest,
    indexDigest: index.descriptor.digest,
    platform: child.platform,
  };
  try {
    if (options.content !== undefined) {
      checkContentSubject(options, options.content, storedFor, formatPlatform(child.platform));
      return { child, content: options.content, owned: false };
    }
    const { content, what } = await options.contentFor!(child.platform);
    try {
      validateContent(options, content, what);
      checkContentSubject(options, content, storedFor, what);
    } catch (error) {
      await content.dispose();
      throw error;
    }
    return { child, content, owned: true };
  } catch (error) {
    return { child, error: internalError(error) };
  }
}

/** Stored but not signed: the version is reported, so that signing it later can finish the job. */
function signingFailed(result: PutResult, platform: Platform, error: unknown): ManifestoError {
  const failure = internalError(error);
  return new ManifestoError(
    failure.code,
    `stored version ${result.version}, but signing it failed: ${failure.message}`,
    {
      category: failure.category,
      hint: `Sign it with "manifesto sign IMAGE ${result.type} --version ${result.version} --platform ${formatPlatform(platform)} --key KEY".`,
      cause: failure,
    },
  );
}

async function putPrepared<S>(
  options: AllPlatformsPutOptions<S>,
  p: PreparedPlatform,
  uploadFailures: ReadonlyMap<string, ManifestoError>,
): Promise<PlatformPutOutcome<S>> {
  const { platform, descriptor } = p.child;
  if ('error' in p) return { platform, error: p.error };
  const uploadError = uploadFailures.get(p.content.digest);
  if (uploadError !== undefined) return { platform, error: uploadError };
  try {
    const subject = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
    const { result, signing } = await storeVersion(options, p.content, subject, true);
    if (signing === undefined) return { platform, result };
    try {
      return { platform, result, signed: await signing };
    } catch (error) {
      return { platform, result, error: signingFailed(result, platform, error) };
    }
  } catch (error) {
    return { platform, error: internalError(error) };
  }
}

/**
 * One version per platform of the index the reference names, in parallel: every platform's content
 * first (a missing file fails that platform only), then each blob once, then the versions. Throws
 * NOT_AN_INDEX for a single-platform image; otherwise each platform's failure is in its outcome
 * (see platformsFailedError).
 */
export async function putAllPlatforms<S = never>(
  options: AllPlatformsPutOptions<S>,
): Promise<AllPlatformsPutResult<S>> {
  if ((options.content === undefined) === (options.contentFor === undefined))
    throw new TypeError('putAllPlatforms needs exactly one of content and contentFor');
  if (options.content !== undefined) validateContent(options, options.content);
  const target = await resolveTarget(options.repository, options.reference, {
    readIndex: true,
    image: options.image,
  });
  const index = target.index;
  if (index === undefined) {
    throw new ManifestoError('NOT_AN_INDEX', `${options.image} is a single-platform image`, {
      category: 'usage',
      hint: 'Leave out --all-platforms: the metadata goes to the image itself.',
    });
  }
  const prepared = await Promise.all(index.platforms.map((child) => preparePlatform(options, index, child)));
  try {
    const uploadFailures = await pushSharedBlobs(options, prepared);
    const outcomes = await Promise.all(prepared.map((p) => putPrepared(options, p, uploadFailures)));
    return { index: index.descriptor, outcomes };
  } finally {
    await Promise.all(prepared.map((p) => ('content' in p && p.owned ? p.content.dispose() : undefined)));
  }
}

/** The error of a fan-out some of whose platforms failed ('partial' when others were stored). */
export function platformsFailedError(
  outcomes: readonly PlatformPutOutcome<unknown>[],
): ManifestoError | undefined {
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length === 0) return undefined;
  return new ManifestoError(
    'PLATFORMS_FAILED',
    `${failed.length} of ${outcomes.length} platforms failed: ${failed.map((o) => formatPlatform(o.platform)).join(', ')}`,
    {
      category: failed.length === outcomes.length ? failed[0]!.error!.category : 'partial',
      hint: 'The platforms not listed were stored; run the command again for the failed ones with --platform.',
    },
  );
}
