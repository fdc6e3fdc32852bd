/**
 * Multi-architecture images: which manifest metadata belongs to (docs/format.md, "Multi-platform").
 *
 * A reference that names an index (OCI image index or Docker manifest list) means the index itself
 * unless a platform is asked for; with a platform, it means the index's child for that platform,
 * matched as container runtimes do (normalised architecture and variant, os.version prefix for
 * Windows). Children that are not platforms (buildx attestation manifests) are never chosen.
 */
import type { RepositoryReader } from '../content/repository.ts';
import { integrityError, notFoundError } from '../errors/errors.ts';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from '../oci/descriptor.ts';
import { DOCKER_CONFIG, isIndexMediaType, OCI_CONFIG } from '../oci/media-types.ts';
import { formatPlatform, isAttestationManifest, platformMatches } from '../oci/platform.ts';

export interface PlatformChild {
  descriptor: Descriptor;
  platform: Platform;
}

export interface IndexInfo {
  descriptor: Descriptor;
  manifest: ImageIndex;
  /** Children that are platform images (attestation manifests and entries without platform left out). */
  platforms: PlatformChild[];
}

export interface ResolvedTarget {
  /** The manifest metadata is read from or written to. */
  subject: Descriptor;
  /** The index the reference named, when it named one (whether or not a platform was chosen). */
  index: IndexInfo | undefined;
  /** The platform chosen, when one was asked for and the reference named an index. */
  platform: Platform | undefined;
}

function parseIndex(bytes: Uint8Array, descriptor: Descriptor): ImageIndex {
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw integrityError(
      'MANIFEST_MALFORMED',
      `index ${descriptor.digest} is not valid JSON`,
      undefined,
      error,
    );
  }
  const m = manifest as Partial<ImageIndex>;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.manifests)) {
    throw integrityError('MANIFEST_MALFORMED', `index ${descriptor.digest} has no manifests list`);
  }
  return m as ImageIndex;
}

/** Platform images of an index, in index order. */
export function platformChildren(index: ImageIndex): PlatformChild[] {
  return index.manifests
    .filter(
      (d): d is Descriptor & { platform: Platform } => d.platform !== undefined && !isAttestationManifest(d),
    )
    .map((d) => ({ descriptor: d, platform: d.platform }));
}

export function describePlatforms(children: readonly PlatformChild[]): string {
  return children.map((c) => formatPlatform(c.platform)).join(', ');
}

/** The child of `index` for `want`; a not-found error listing the available platforms otherwise. */
export function selectPlatform(index: IndexInfo, want: Platform, image: string): PlatformChild {
  const match = index.platforms.find((c) => platformMatches(want, c.platform));
  if (match === undefined) {
    throw notFoundError(
      'PLATFORM_NOT_FOUND',
      `${image} has no image for platform ${formatPlatform(want)}`,
      `Available platforms: ${describePlatforms(index.platforms) || 'none'}.`,
    );
  }
  return match;
}

/** The platform recorded in an image's config (os, architecture, variant, os.version), if readable. */
export async function imagePlatform(
  repository: RepositoryReader,
  manifestBytes: Uint8Array,
): Promise<Platform | undefined> {
  try {
    const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Partial<ImageManifest>;
    const config = manifest.config;
    if (config === undefined || (config.mediaType !== OCI_CONFIG && config.mediaType !== DOCKER_CONFIG))
      return undefined;
    const bytes = await repository.fetchBlobBytes(config, MAX_CONFIG_BYTES);
    const c = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Record<string, unknown>>;
    if (typeof c.os !== 'string' || typeof c.architecture !== 'string') return undefined;
    return {
      os: c.os,
      architecture: c.architecture,
      ...(typeof c.variant === 'string' ? { variant: c.variant } : {}),
      ...(typeof c['os.version'] === 'string' ? { 'os.version': c['os.version'] } : {}),
    };
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ResolveTargetOptions {
  /** The platform to select when the reference names an index. */
  platform?: Platform | undefined;
  /** Read the index even without a platform (list --tree, get's ambiguity check). */
  readIndex?: boolean | undefined;
  /** How to name the image in messages. */
  image?: string | undefined;
}

/**
 * Resolves a tag or digest to the manifest metadata belongs to. Without a platform this is one
 * HEAD; with one (or readIndex) it is one GET of the manifest, which also yields the index.
 */
export async function resolveTarget(
  repository: RepositoryReader,
  reference: string,
  options: ResolveTargetOptions = {},
): Promise<ResolvedTarget> {
  const image = options.image ?? `${repository.location}:${reference}`;
  if (options.platform === undefined && !options.readIndex) {
    return { subject: await repository.resolve(reference), index: undefined, platform: undefined };
  }
  const fetched = await repository.fetchManifest(reference);
  const descriptor: Descriptor = {
    mediaType: fetched.descriptor.mediaType,
    digest: fetched.descriptor.digest,
    size: fetched.descriptor.size,
  };
  if (!isIndexMediaType(descriptor.mediaType)) {
    // A single-platform image: the platform flag selects the image itself, if it is that platform.
    if (options.platform !== undefined) {
      const own = await imagePlatform(repository, fetched.bytes);
      if (own !== undefined && !platformMatches(options.platform, own)) {
        throw notFoundError(
          'PLATFORM_NOT_FOUND',
          `${image} is a single-platform image for ${formatPlatform(own)}, not ${formatPlatform(options.platform)}`,
          'Leave out --platform, or name the image of that platform.',
        );
      }
      return { subject: descriptor, index: undefined, platform: own };
    }
    return { subject: descriptor, index: undefined, platform: undefined };
  }
  const manifest = parseIndex(fetched.bytes, descriptor);
  const index: IndexInfo = { descriptor, manifest, platforms: platformChildren(manifest) };
  if (options.platform === undefined) return { subject: descriptor, index, platform: undefined };
  const child = selectPlatform(index, options.platform, image);
  return {
    subject: {
      mediaType: child.descriptor.mediaType,
      digest: child.descriptor.digest,
      size: child.descriptor.size,
    },
    index,
    platform: child.platform,
  };
}
