/** Stores a new version of a piece of metadata for an image (docs/format.md). */
import type { FetchedManifest, Repository } from '../content/repository.ts';
import { usageError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { digestOf } from '../oci/digest.ts';
import { EMPTY_JSON_BYTES, OCI_MANIFEST } from '../oci/media-types.ts';
import { ANNOTATION_PREFIX } from './annotations.ts';
import type { PreparedContent } from './content-source.ts';
import { detectMediaType } from './detect-media-type.ts';
import { checkKindContent, type KindCheck } from './kind-check.ts';
import { readListing, versionsOfType } from './listing.ts';
import { latestVersion } from './ordering.ts';
import { artifactTypeFor, checkTypeNameSpelling, validateTypeName } from './type-name.ts';
import { type ContentInfo, versionFromDescriptor } from './version.ts';
import { buildVersionManifest, EMPTY_CONFIG } from './version-manifest.ts';

export interface PutOptions {
  repository: Repository;
  /** Tag or digest of the image in the repository. */
  reference: string;
  type: string;
  content: PreparedContent;
  /** Media type of the content; detected when absent. */
  mediaType?: string | undefined;
  author?: string | undefined;
  annotations?: Record<string, string> | undefined;
  /** Clock, for tests. */
  now?: (() => Date) | undefined;
  /** An already-resolved subject (skips the resolve request). */
  subject?: Descriptor | undefined;
  /**
   * The caller has uploaded the content blob and the empty config already (pushVersionBlobs), e.g.
   * once for many subjects before pushing their versions in parallel.
   */
  blobsPushed?: boolean | undefined;
  /**
   * Validate content stored under a well-known kind's type name (default true); false stores it
   * as given (`--no-validate`). Callers that validated already pass false.
   */
  validate?: boolean | undefined;
  /** Refuse a type name that is probably a typo of a well-known one (TYPE_NAME_TYPO). */
  strictTypes?: boolean | undefined;
  /**
   * Called once the version manifest is stored, before it is listed (Repository.pushManifest's
   * `onStored`): writes that depend on the version, such as its signature, can start meanwhile.
   */
  onStored?: ((version: FetchedManifest) => void) | undefined;
}

export interface PutResult {
  subject: Descriptor;
  type: string;
  /** Digest of the new version's manifest: the version id. */
  version: string;
  artifactType: string;
  content: ContentInfo;
  created: string;
  author: string | undefined;
  /** The version this one replaced as latest. */
  supersedes: string | undefined;
  /** What validation found (free-form types are not validated). */
  kindCheck?: KindCheck | undefined;
}

/** Content above this size is checked for presence before upload. */
const LARGE_CONTENT_BYTES = 1024 * 1024;

const MEDIA_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;.*)?$/i;

export function validateAnnotations(annotations: Record<string, string>): void {
  for (const key of Object.keys(annotations)) {
    if (key.startsWith(ANNOTATION_PREFIX)) {
      throw usageError(
        'ANNOTATION_RESERVED',
        `annotation "${key}" is reserved for manifesto`,
        `Keys starting with ${ANNOTATION_PREFIX} are set by manifesto itself.`,
      );
    }
    if (key === '' || /\s/.test(key)) {
      throw usageError(
        'ANNOTATION_INVALID',
        `invalid annotation key "${key}"`,
        'Use --annotation key=value.',
      );
    }
  }
}

/** The media type a version of `content` gets: `mediaType` when given, else detected; validated. */
export function contentMediaType(content: PreparedContent, mediaType?: string): string {
  const chosen =
    mediaType ?? detectMediaType({ head: content.head, size: content.size, fileName: content.fileName });
  if (!MEDIA_TYPE_PATTERN.test(chosen)) {
    throw usageError(
      'MEDIA_TYPE_INVALID',
      `invalid media type "${chosen}"`,
      'Use type/subtype, e.g. application/json.',
    );
  }
  return chosen;
}

/**
 * Uploads the blobs a version of `content` references: the content, and the empty config unless
 * `emptyConfig` is false (the caller knows it is there).
 */
export async function pushVersionBlobs(
  repository: Repository,
  content: PreparedContent,
  mediaType: string,
  options: { emptyConfig: boolean },
): Promise<void> {
  await pushContentBlob(repository, content, mediaType);
  if (options.emptyConfig) await pushEmptyConfig(repository);
}

/** Uploads the content blob; fresh content is rarely present already, so only large content is checked. */
async function pushContentBlob(
  repository: Repository,
  content: PreparedContent,
  mediaType: string,
): Promise<void> {
  await repository.pushBlob({ mediaType, digest: content.digest, size: content.size }, content.source, {
    existenceCheck: content.size > LARGE_CONTENT_BYTES,
  });
}

/** Uploads the OCI empty config every version references, unless it is there already. */
export async function pushEmptyConfig(repository: Repository): Promise<void> {
  await repository.pushBlob(EMPTY_CONFIG, EMPTY_JSON_BYTES);
}

export async function putMetadata(options: PutOptions): Promise<PutResult> {
  const type = validateTypeName(options.type);
  if (options.strictTypes === true) checkTypeNameSpelling(type, true);
  if (options.annotations) validateAnnotations(options.annotations);
  const { repository, content } = options;
  const mediaType = contentMediaType(content, options.mediaType);
  // Before the first request: malformed content of a well-known kind writes nothing.
  const kindCheck = checkKindContent(type, content, mediaType, { validate: options.validate });
  const subject = options.subject ?? (await repository.resolve(options.reference));
  // Upload the content before reading the listing: the listing must be fresh when the new version is
  // added to it (registries without the referrers API re-read it otherwise), and uploads take time.
  if (!options.blobsPushed) await pushContentBlob(repository, content, mediaType);
  const listing = await readListing(repository, subject);
  // Nothing written where the new version could not be listed (e.g. the tag-schema tag is not ours).
  if (listing.state.writeRefusal !== undefined) throw listing.state.writeRefusal;
  const previous = latestVersion(versionsOfType(listing, type));
  const contentInfo: ContentInfo = { digest: content.digest, size: content.size, mediaType };
  const artifactType = artifactTypeFor(type, mediaType);
  const created = (options.now ?? (() => new Date()))();
  const { bytes } = buildVersionManifest({
    type,
    artifactType,
    subject,
    content: contentInfo,
    title: content.fileName,
    created,
    author: options.author,
    supersedes: previous?.digest,
    annotations: options.annotations,
  });
  // Every manifesto version references the empty config: if one is listed, the blob is there;
  // otherwise upload it without asking first (two bytes: cheaper than a check that usually says no).
  if (!options.blobsPushed && !listing.versions.some((v) => v.manifesto)) {
    await repository.pushBlob(EMPTY_CONFIG, EMPTY_JSON_BYTES, { existenceCheck: false });
  }
  const descriptor = await repository.pushManifest(bytes, {
    mediaType: OCI_MANIFEST,
    referrersState: listing.state,
    onStored: options.onStored && ((descriptor) => options.onStored?.({ descriptor, bytes })),
  });
  return {
    subject,
    type,
    version: descriptor.digest,
    artifactType,
    content: contentInfo,
    created: created.toISOString(),
    author: options.author,
    supersedes: previous?.digest,
    kindCheck,
  };
}

/**
 * Finishes a put that stored its version manifest but was interrupted before the version was listed
 * (src/cli/interrupted-puts.ts): pushes the same manifest bytes again (same digest: nothing new is
 * stored) so the backend lists it, and returns the version as the put would have. Refuses bytes that
 * are not a manifesto version of `subject`.
 */
export async function finishStoredVersion(options: {
  repository: Repository;
  subject: Descriptor;
  manifest: Uint8Array;
}): Promise<PutResult> {
  const { repository, subject, manifest } = options;
  const parsed = JSON.parse(new TextDecoder().decode(manifest)) as {
    subject?: { digest?: unknown };
    artifactType?: unknown;
    annotations?: Record<string, string>;
  };
  const descriptor: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: digestOf(manifest),
    size: manifest.byteLength,
    ...(typeof parsed.artifactType === 'string' ? { artifactType: parsed.artifactType } : {}),
    ...(parsed.annotations === undefined ? {} : { annotations: parsed.annotations }),
  };
  const version = versionFromDescriptor(descriptor, subject.digest);
  if (parsed.subject?.digest !== subject.digest || !version.manifesto || version.content === undefined) {
    throw usageError(
      'INTERRUPTED_PUT_INVALID',
      `the recorded interrupted put ${descriptor.digest} is not a version of ${subject.digest}`,
    );
  }
  const listing = await readListing(repository, subject);
  const pushed = await repository.pushManifest(manifest, {
    mediaType: OCI_MANIFEST,
    referrersState: listing.state,
  });
  return {
    subject,
    type: version.type,
    version: pushed.digest,
    artifactType: version.artifactType ?? '',
    content: version.content,
    created: version.createdText ?? '',
    author: version.author,
    supersedes: version.supersedes,
  };
}
