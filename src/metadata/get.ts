/** Reads the latest (or a given) version of a piece of metadata for an image. */
import type { Repository } from '../content/repository.ts';
import { integrityError, ManifestoError, notFoundError, usageError } from '../errors/errors.ts';
import type { Descriptor, ImageManifest } from '../spec/descriptor.ts';
import { isDigest } from '../spec/digest.ts';
import { metadataNotFound, readListing, type SubjectListing, versionsOfType } from './listing.ts';
import type { MetadataVersion } from './version.ts';

export interface SelectVersionOptions {
  repository: Repository;
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
  if (options.version !== undefined && !isDigest(options.version)) {
    throw usageError(
      'VERSION_INVALID',
      `invalid version "${options.version}"`,
      'A version is the digest shown by "manifesto history", e.g. sha256:3f1c...',
    );
  }
  const subject = options.subject ?? (await repository.resolve(options.reference));
  const listing = await readListing(repository, subject);
  const versions = versionsOfType(listing, options.type);
  const image = options.image ?? `${repository.location}@${subject.digest}`;
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

/** The content layer of a version: from the listing's annotations, or from its manifest. */
export async function contentDescriptor(
  repository: Repository,
  version: MetadataVersion,
): Promise<Descriptor> {
  if (version.content !== undefined) {
    return {
      mediaType: version.content.mediaType,
      digest: version.content.digest,
      size: version.content.size,
    };
  }
  const fetched = await repository.fetchManifest(version.digest);
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
  const layer = Array.isArray(manifest.layers) ? manifest.layers[0] : undefined;
  if (layer === undefined || typeof layer.digest !== 'string' || typeof layer.size !== 'number') {
    throw new ManifestoError('CONTENT_MISSING', `version ${version.digest} has no content layer`, {
      category: 'not-found',
      hint: 'This referrer carries no file content (for example an index or an empty artifact).',
    });
  }
  return layer;
}

export interface GetResult extends SelectedVersion {
  content: Descriptor;
}

/** Selects the version and its content descriptor; stream it with `repository.fetchBlob(result.content)`. */
export async function getMetadata(options: SelectVersionOptions): Promise<GetResult> {
  const selected = await selectVersion(options);
  return { ...selected, content: await contentDescriptor(options.repository, selected.version) };
}
