/**
 * `get` and `list` with the multi-platform rules (docs/format.md, "Multi-platform"):
 * - with a platform: the child's own version; else the index's, reported as inherited (unless
 *   inheritance is off); never another platform's;
 * - without a platform on an index that has no index-level version of the type but per-platform
 *   ones: an 'ambiguous' error naming the platforms that have it.
 */
import type { RepositoryReader } from '../content/repository.ts';
import { isManifestoError, ManifestoError } from '../errors/errors.ts';
import type { Descriptor, Platform } from '../oci/descriptor.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import { formatPlatform } from '../oci/platform.ts';
import { buildxVersions } from './buildx.ts';
import { cosignTagVersions } from './cosign-tags.ts';
import { readForeignDocument } from './foreign-content.ts';
import {
  type ContentDescriptor,
  type SelectedVersion,
  selectFromListing,
  selectVersion,
  storedContent,
} from './get.ts';
import { readListing, type SubjectListing, versionsOfType } from './listing.ts';
import { type IndexInfo, type PlatformChild, resolveTarget } from './target.ts';
import type { MetadataVersion } from './version.ts';

export interface PlatformGetOptions {
  repository: RepositoryReader;
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
  content: ContentDescriptor;
  /**
   * For another tool's attestation: the document taken out of it (foreign-content.ts), already
   * fetched; `content` is then its descriptor and is not fetched again.
   */
  document?: Uint8Array | undefined;
}

function isNotFound(error: unknown, code: string): boolean {
  return isManifestoError(error) && error.code === code;
}

/** Listings of every platform child of an index, fetched in parallel. */
export async function platformListings(
  repository: RepositoryReader,
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
  repository: RepositoryReader,
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
      const legacy = await fromCosignTag(repository, subject, base, error);
      if (legacy !== undefined) return { ...legacy, platform: undefined, inheritedFrom: undefined };
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
  const childOptions = { ...base, image: childImage };
  const childListing = await readListing(repository, target.subject);
  const attempt = <T>(select: () => T): T | ManifestoError => {
    try {
      return select();
    } catch (error) {
      const missing = isNotFound(error, 'METADATA_NOT_FOUND') || isNotFound(error, 'VERSION_NOT_FOUND');
      if (!missing) throw error;
      return error as ManifestoError;
    }
  };
  const own = attempt(() => selectFromListing(childListing, childOptions));
  const found = (s: SelectedVersion | ManifestoError): s is SelectedVersion => !(s instanceof ManifestoError);
  const here = (s: SelectedVersion) => ({ ...s, platform: target.platform, inheritedFrom: undefined });
  // manifesto's own version of the platform, then the index's, then other tools' (listing.ts).
  if (found(own) && own.version.foreign === undefined) return here(own);
  const inherit = options.inherit !== false && target.index !== undefined;
  let fromIndex: SelectedVersion | ManifestoError | undefined;
  if (inherit && target.index !== undefined) {
    try {
      fromIndex = await selectVersion({
        ...base,
        reference: options.reference,
        subject: target.index.descriptor,
      });
    } catch (indexError) {
      if (!isNotFound(indexError, 'METADATA_NOT_FOUND') && !isNotFound(indexError, 'VERSION_NOT_FOUND'))
        throw indexError;
      fromIndex = indexError as ManifestoError;
    }
  }
  const inherited = (s: SelectedVersion) => ({
    ...s,
    platform: target.platform,
    inheritedFrom: target.index!.descriptor,
  });
  if (fromIndex !== undefined && found(fromIndex) && fromIndex.version.foreign === undefined)
    return inherited(fromIndex);
  if (found(own)) return here(own);
  if (target.index !== undefined) {
    const buildx = await buildxVersions(repository, target.index.manifest, target.subject.digest);
    if (buildx.length > 0) {
      const withBuildx = { ...childListing, versions: [...childListing.versions, ...buildx] };
      const selected = attempt(() => selectFromListing(withBuildx, childOptions));
      if (found(selected)) return here(selected);
    }
  }
  if (fromIndex !== undefined && found(fromIndex)) return inherited(fromIndex);
  const legacy = await fromCosignTag(repository, target.subject, childOptions, own);
  if (legacy !== undefined) return here(legacy);
  throw own;
}

/**
 * The last resort when nothing else has the type: cosign's legacy `.att` tag of the subject
 * (cosign-tags.ts). Undefined when `error` is not a not-found or the tag has no such version.
 */
async function fromCosignTag(
  repository: RepositoryReader,
  subject: Descriptor,
  options: Omit<PlatformGetOptions, 'reference'>,
  error: unknown,
): Promise<SelectedVersion | undefined> {
  if (!isNotFound(error, 'METADATA_NOT_FOUND') && !isNotFound(error, 'VERSION_NOT_FOUND')) return undefined;
  const versions = await cosignTagVersions(repository, subject.digest);
  if (!versions.some((v) => v.type === options.type)) return undefined;
  const listing = await readListing(repository, subject);
  try {
    return selectFromListing({ ...listing, versions: [...listing.versions, ...versions] }, options);
  } catch (legacyError) {
    if (isNotFound(legacyError, 'VERSION_NOT_FOUND')) return undefined;
    throw legacyError;
  }
}

export async function getPlatformMetadata(options: PlatformGetOptions): Promise<PlatformGetResult> {
  const selected = await selectPlatformVersion(options);
  return {
    ...selected,
    ...(await versionContent(options.repository, selected, options.version !== undefined)),
  };
}

/**
 * What `get` prints of a version: its content layer (storedContent: pinned by the version manifest,
 * `explicit` when `--version` named it), or the document inside another tool's attestation.
 */
export async function versionContent(
  repository: RepositoryReader,
  selected: SelectedVersion,
  explicit: boolean,
): Promise<{ version: MetadataVersion; content: Descriptor; document?: Uint8Array | undefined }> {
  if (selected.version.foreign !== undefined) {
    const document = await readForeignDocument(repository, selected.version);
    return { version: selected.version, content: document.descriptor, document: document.bytes };
  }
  return storedContent(repository, selected, explicit);
}
