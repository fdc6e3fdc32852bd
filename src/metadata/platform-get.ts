/**
 * `get` and `list` with the multi-platform rules (docs/format.md, "Multi-platform"):
 * - with a platform: the child's own version; else the index's, reported as inherited (unless
 *   inheritance is off); never another platform's;
 * - without a platform on an index that has no index-level version of the type but per-platform
 *   ones: an 'ambiguous' error naming the platforms that have it.
 */
import type { Repository } from '../content/repository.ts';
import { isManifestoError, ManifestoError } from '../errors/errors.ts';
import type { Descriptor, Platform } from '../spec/descriptor.ts';
import { isIndexMediaType } from '../spec/media-types.ts';
import { formatPlatform } from '../spec/platform.ts';
import { type SelectedVersion, selectVersion, storedContent } from './get.ts';
import { readListing, type SubjectListing, versionsOfType } from './listing.ts';
import { type IndexInfo, type PlatformChild, resolveTarget } from './target.ts';

export interface PlatformGetOptions {
  repository: Repository;
  reference: string;
  type: string;
  version?: string | undefined;
  platform?: Platform | undefined;
  /** Fall back to the index's version when the platform has none (default true). */
  inherit?: boolean | undefined;
  image?: string | undefined;
}

export interface PlatformSelectedVersion extends SelectedVersion {
  /** The platform the reference was narrowed to. */
  platform: Platform | undefined;
  /** Set when the version is the index's, inherited by the platform. */
  inheritedFrom: Descriptor | undefined;
}

export interface PlatformGetResult extends PlatformSelectedVersion {
  content: Descriptor;
}

function isNotFound(error: unknown, code: string): boolean {
  return isManifestoError(error) && error.code === code;
}

/** Listings of every platform child of an index, fetched in parallel. */
export async function platformListings(
  repository: Repository,
  index: IndexInfo,
): Promise<Array<{ child: PlatformChild; listing: SubjectListing }>> {
  return Promise.all(
    index.platforms.map(async (child) => ({
      child,
      listing: await readListing(repository, {
        mediaType: child.descriptor.mediaType,
        digest: child.descriptor.digest,
        size: child.descriptor.size,
      }),
    })),
  );
}

async function ambiguityError(
  repository: Repository,
  reference: string,
  options: PlatformGetOptions,
  notFound: ManifestoError,
): Promise<ManifestoError> {
  const target = await resolveTarget(repository, reference, { readIndex: true, image: options.image });
  if (target.index === undefined) return notFound;
  const listings = await platformListings(repository, target.index);
  const having = listings.filter((l) => versionsOfType(l.listing, options.type).length > 0);
  if (having.length === 0) return notFound;
  const names = having.map((l) => formatPlatform(l.child.platform));
  return new ManifestoError(
    'PLATFORM_REQUIRED',
    `"${options.type}" is stored per platform for ${options.image ?? reference} (${names.join(', ')}), not for the index`,
    { category: 'ambiguous', hint: `Choose one with --platform, e.g. --platform ${names[0]}.` },
  );
}

export async function selectPlatformVersion(options: PlatformGetOptions): Promise<PlatformSelectedVersion> {
  const { repository } = options;
  const base = { repository, type: options.type, version: options.version, image: options.image };
  if (options.platform === undefined) {
    const subject = await repository.resolve(options.reference);
    try {
      const selected = await selectVersion({ ...base, reference: options.reference, subject });
      return { ...selected, platform: undefined, inheritedFrom: undefined };
    } catch (error) {
      if (isNotFound(error, 'METADATA_NOT_FOUND') && isIndexMediaType(subject.mediaType)) {
        throw await ambiguityError(repository, options.reference, options, error as ManifestoError);
      }
      throw error;
    }
  }
  const target = await resolveTarget(repository, options.reference, {
    platform: options.platform,
    image: options.image,
  });
  const childImage =
    target.platform === undefined
      ? options.image
      : `${options.image ?? options.reference} [${formatPlatform(target.platform)}]`;
  try {
    const selected = await selectVersion({
      ...base,
      image: childImage,
      reference: options.reference,
      subject: target.subject,
    });
    return { ...selected, platform: target.platform, inheritedFrom: undefined };
  } catch (error) {
    const inherit = options.inherit !== false && target.index !== undefined;
    const missing = isNotFound(error, 'METADATA_NOT_FOUND') || isNotFound(error, 'VERSION_NOT_FOUND');
    if (!inherit || !missing || target.index === undefined) throw error;
    try {
      const fromIndex = await selectVersion({
        ...base,
        reference: options.reference,
        subject: target.index.descriptor,
      });
      return { ...fromIndex, platform: target.platform, inheritedFrom: target.index.descriptor };
    } catch (indexError) {
      if (isNotFound(indexError, 'METADATA_NOT_FOUND')) throw error;
      throw indexError;
    }
  }
}

export async function getPlatformMetadata(options: PlatformGetOptions): Promise<PlatformGetResult> {
  const selected = await selectPlatformVersion(options);
  const stored = await storedContent(options.repository, selected, options.version !== undefined);
  return { ...selected, ...stored };
}
