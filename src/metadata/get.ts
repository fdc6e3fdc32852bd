/** Reads the latest (or a given) version of a piece of metadata for an image. */
import type { RepositoryReader } from '../content/repository.ts';
import {
  integrityError,
  isManifestoError,
  ManifestoError,
  notFoundError,
  usageError,
} from '../errors/errors.ts';
import type { Descriptor, ImageManifest } from '../oci/descriptor.ts';
import { isDigest } from '../oci/digest.ts';
import { ANNOTATION_TYPE } from './annotations.ts';
import { metadataNotFound, readListing, type SubjectListing, versionsOfType } from './listing.ts';
import type { MetadataVersion } from './version.ts';

export interface SelectVersionOptions {
  repository: RepositoryReader;
  reference: string;
  type: string;
  /** A version digest (`--version`); the latest when absent. */
  version?: string | undefined;
  subject?: Descriptor | undefined;
  /** How to name the image in messages (the reference as the user wrote it). */
  image?: string | undefined;
}

export interface SelectedVersion {
  subject: Descriptor;
  version: MetadataVersion;
  /** All versions of the type, newest first. */
  versions: MetadataVersion[];
  listing: SubjectListing;
}

/** Finds the version `get` would return, without fetching content. */
export async function selectVersion(options: SelectVersionOptions): Promise<SelectedVersion> {
  const { repository } = options;
  checkVersionSyntax(options.version);
  const subject = options.subject ?? (await repository.resolve(options.reference));
  return selectFromListing(await readListing(repository, subject), options);
}

function checkVersionSyntax(version: string | undefined): void {
  if (version !== undefined && !isDigest(version)) {
    throw usageError(
      'VERSION_INVALID',
      `invalid version "${version}"`,
      'A version is the digest shown by "manifesto history", e.g. sha256:3f1c...',
    );
  }
}

/** `selectVersion` on a listing already read (possibly with other tools' versions added). */
export function selectFromListing(
  listing: SubjectListing,
  options: Omit<SelectVersionOptions, 'reference' | 'subject'>,
): SelectedVersion {
  checkVersionSyntax(options.version);
  const { subject } = listing;
  const versions = versionsOfType(listing, options.type);
  const image = options.image ?? `${options.repository.location}@${subject.digest}`;
  if (versions.length === 0) throw metadataNotFound(options.type, image, subject.digest);
  if (options.version === undefined) return { subject, version: versions[0]!, versions, listing };
  const version = versions.find((v) => v.digest === options.version);
  if (version === undefined) {
    throw notFoundError(
      'VERSION_NOT_FOUND',
      `version ${options.version} of "${options.type}" not found for ${image}`,
      `Run "manifesto history ${image} ${options.type}" to see its versions.`,
    );
  }
  return { subject, version, versions, listing };
}

/**
 * The content layer of a version, as its manifest names it. The version digest pins the manifest and
 * the manifest pins the layer; the listing's `dev.manifesto.content.*` annotations are unsigned (any
 * pusher can rewrite a tag-schema index), so they are checked against the manifest, never used alone:
 * a listing that names other content, or a manifest whose subject is another image, is an integrity
 * error. The manifest comes from the on-disk cache when the listing was computed by the registry
 * itself (referrers API) or is local (layout): free after the first read. A tag-schema index can name
 * manifests deleted since, so there it is one GET, which also proves the version still exists.
 */
export async function contentDescriptor(
  repository: RepositoryReader,
  version: MetadataVersion,
  listing?: SubjectListing,
): Promise<ContentDescriptor> {
  const fetched = await repository.fetchManifest(version.digest, {
    cached: listing !== undefined && listing.state.source !== 'tag-schema',
  });
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(fetched.bytes)) as ImageManifest;
  } catch (error) {
    throw integrityError(
      'MANIFEST_MALFORMED',
      `manifest ${version.digest} is not valid JSON`,
      undefined,
      error,
    );
  }
  const subject = manifest?.subject?.digest;
  if (listing !== undefined && subject !== undefined && subject !== listing.subject.digest) {
    throw listingMismatch(
      version,
      `its manifest is a referrer of ${String(subject)}, not of ${listing.subject.digest}`,
    );
  }
  const storedType = manifest?.annotations?.[ANNOTATION_TYPE];
  if (version.manifesto && storedType !== version.type) {
    throw listingMismatch(
      version,
      `the listing says type "${version.type}", its manifest ${storedType === undefined ? 'has no type' : `"${storedType}"`}`,
    );
  }
  const artifactTypes = [manifest?.artifactType, manifest?.config?.mediaType];
  if (version.artifactType !== undefined && !artifactTypes.includes(version.artifactType)) {
    throw listingMismatch(
      version,
      `the listing says artifact type ${version.artifactType}, its manifest ${String(artifactTypes[0] ?? artifactTypes[1])}`,
    );
  }
  const layer = Array.isArray(manifest?.layers) ? manifest.layers[0] : undefined;
  if (
    layer === undefined ||
    typeof layer.digest !== 'string' ||
    typeof layer.size !== 'number' ||
    typeof layer.mediaType !== 'string'
  ) {
    throw new ManifestoError('CONTENT_MISSING', `version ${version.digest} has no content layer`, {
      category: 'not-found',
      hint: 'This referrer carries no file content (for example an index or an empty artifact).',
    });
  }
  const listed = version.content;
  if (listed !== undefined && (listed.digest !== layer.digest || listed.size !== layer.size)) {
    throw listingMismatch(
      version,
      `the listing names content ${listed.digest} (${listed.size} bytes), its manifest ${layer.digest} (${layer.size} bytes)`,
    );
  }
  const content: ContentDescriptor = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
  const files = manifest.layers.filter(isFileLayer);
  if (files.length > 1) {
    content.files = files.map((f) => ({
      mediaType: f.mediaType,
      digest: f.digest,
      size: f.size,
      ...(f.annotations === undefined ? {} : { annotations: f.annotations }),
    }));
  }
  return content;
}

/**
 * The content of a version: its first layer, and, for a version that holds several files (an oras
 * artifact pushed with `oras attach a.txt b.txt`), every file layer in manifest order. manifesto's
 * own versions always hold one file; `get` prints the first of several and says so, and `get -o DIR`
 * writes each under its title.
 */
export interface ContentDescriptor extends Descriptor {
  files?: Descriptor[];
}

function isFileLayer(layer: unknown): layer is Descriptor {
  const l = layer as Descriptor | undefined;
  return typeof l?.digest === 'string' && typeof l.size === 'number' && typeof l.mediaType === 'string';
}

function listingMismatch(version: MetadataVersion, detail: string): ManifestoError {
  return integrityError(
    'LISTING_MISMATCH',
    `the referrers listing does not match version ${version.digest}: ${detail}`,
    'Someone with push access edited the listing (the sha256-<hex> index tag); nothing was printed. Use "get --verify" with a trust policy, and check who can push to this repository.',
  );
}

/**
 * The version to read and its content: the selected one, or, when the latest was asked for and the
 * listing names versions deleted since (a tag-schema index keeps an entry until its next write), the
 * newest one still stored. An explicitly asked version that is gone is not found.
 */
export async function storedContent(
  repository: RepositoryReader,
  selected: SelectedVersion,
  explicit: boolean,
): Promise<{ version: MetadataVersion; content: ContentDescriptor }> {
  const start = selected.versions.indexOf(selected.version);
  const candidates = explicit || start < 0 ? [selected.version] : selected.versions.slice(start);
  for (const [i, version] of candidates.entries()) {
    try {
      return { version, content: await contentDescriptor(repository, version, selected.listing) };
    } catch (error) {
      const deleted = isManifestoError(error) && error.code === 'MANIFEST_UNKNOWN';
      if (!deleted) throw error;
      if (explicit) {
        throw notFoundError(
          'VERSION_NOT_FOUND',
          `version ${version.digest} is listed but no longer stored (deleted)`,
          'Run "manifesto history IMAGE TYPE" to see its versions.',
          error,
        );
      }
      if (i === candidates.length - 1) throw error;
    }
  }
  throw new Error('unreachable');
}

export interface GetResult extends SelectedVersion {
  content: ContentDescriptor;
}

/** Selects the version and its content descriptor; stream it with `repository.fetchBlob(result.content)`. */
export async function getMetadata(options: SelectVersionOptions): Promise<GetResult> {
  const selected = await selectVersion(options);
  const stored = await storedContent(options.repository, selected, options.version !== undefined);
  return { ...selected, ...stored };
}
