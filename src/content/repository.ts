/**
 * The one storage interface manifesto's domain code uses. A Repository is one place that holds
 * manifests and blobs addressed by digest, with tags and referrers: a repository of an OCI registry
 * (src/registry) or an OCI image layout directory on disk (src/content/layout). Both backends pass
 * the same behaviour suite (test/integration/behaviour).
 *
 * Rules every backend follows:
 * - Everything read is verified against its digest (sha256 and sha512); a mismatch throws a
 *   ManifestoError with category 'integrity', never returns data.
 * - Manifests are limited to MAX_MANIFEST_BYTES (4 MiB) both ways.
 * - Pushing a manifest that has a `subject` makes it visible to `referrers(subject)`: on registries
 *   with the referrers API by the registry itself; otherwise the backend maintains the OCI referrers
 *   tag schema index (`<alg>-<hex>` tag) itself, without losing concurrent writes. Deleting such a
 *   manifest removes it from the referrers listing.
 */
import type { Descriptor } from '../oci/descriptor.ts';

/** Content to upload: bytes in memory, or a source that can be (re)opened for streaming. */
export type BlobSource = Uint8Array | StreamSource;

export interface StreamSource {
  /** Opens a fresh stream of the whole content; called again when an upload is retried. */
  open(): AsyncIterable<Uint8Array>;
}

export interface FetchedManifest {
  /** mediaType, digest and size of the bytes as stored. */
  descriptor: Descriptor;
  /** The exact bytes (verified against descriptor.digest). */
  bytes: Uint8Array;
}

export interface FetchManifestOptions {
  /**
   * A copy cached on this machine will do (manifests are immutable by digest): the caller knows the
   * manifest exists, e.g. because a listing the registry computes itself named it. Without it a
   * registry backend asks the registry, which also proves the manifest was not deleted meanwhile.
   */
  cached?: boolean | undefined;
}

export interface PushManifestOptions {
  /** Media type of the manifest (sent as Content-Type). */
  mediaType: string;
  /** Also tag it (registries: PUT by tag; layouts: an index.json entry with ref.name). */
  tag?: string | undefined;
  /**
   * The referrers listing state the caller read just before (from `referrers()`), so a backend that
   * maintains the tag schema need not read the index again. Stale state is detected, never trusted.
   */
  referrersState?: ReferrersState | undefined;
  /**
   * Called once the manifest is stored (fetchable by digest), before it is listed as a referrer of its
   * subject: on registries without the referrers API that listing is the index update with its settle
   * wait, and a caller can start dependent writes (the version's signature) meanwhile.
   */
  onStored?: ((descriptor: Descriptor) => void) | undefined;
}

export interface PushBlobOptions {
  /**
   * Ask the backend whether it has the blob before uploading (default true). Callers that know the
   * content is new (fresh metadata) pass false to save a request; the upload is idempotent anyway.
   */
  existenceCheck?: boolean | undefined;
}

export interface DeleteManifestOptions {
  /** The subject of the manifest being deleted, if known (saves a read on tag-schema registries). */
  subject?: Descriptor | undefined;
  referrersState?: ReferrersState | undefined;
}

export interface DeleteManifestsOptions {
  /** The subject of every manifest being deleted (they are referrers of it). */
  subject: Descriptor;
  referrersState?: ReferrersState | undefined;
  /**
   * A digest neither stored nor listed (someone else deleted it meanwhile) is reported in the result's
   * `absent` instead of thrown as not-found: the caller wanted it gone, and it is.
   */
  absentOk?: boolean | undefined;
  /**
   * Called with each digest this call deleted, as soon as it is deleted (before the listing update):
   * when the call fails later, the caller still knows exactly what it removed.
   */
  onDeleted?: ((digest: string) => void) | undefined;
}

export interface DeleteManifestsResult {
  /** Digests that were neither stored nor listed (only with `absentOk`). */
  absent: string[];
}

export interface ReferrersOptions {
  /** Only referrers with this artifactType (server-side where the registry applies filters). */
  artifactType?: string | undefined;
}

/** How a backend found referrers: 'api' (OCI referrers API), 'tag-schema' or 'layout'. */
export type ReferrersSource = 'api' | 'tag-schema' | 'layout';

/** Opaque to callers: what a backend needs to update the listing without reading it again. */
export interface ReferrersState {
  readonly source: ReferrersSource;
  /** tag-schema: digest of the fallback index read (undefined when the tag did not exist). */
  readonly indexDigest?: string | undefined;
  /** tag-schema: the descriptors the fallback index held when read. */
  readonly manifests?: readonly Descriptor[] | undefined;
  /**
   * Set when the backend would refuse to list a new referrer of this subject (tag-schema: the
   * `sha256-<hex>` tag holds something that is not a referrers index): writers throw it before
   * writing anything.
   */
  readonly writeRefusal?: Error | undefined;
}

export interface ReferrersResult {
  /** Descriptors of the manifests whose subject is the given digest (already filtered if asked). */
  manifests: Descriptor[];
  source: ReferrersSource;
  /** The artifactType filter was applied (by the server or by the backend locally). */
  filtered: boolean;
  state: ReferrersState;
}

export interface TagPage {
  tags: string[];
  /** Pass as `last` to get the next page; undefined at the end. */
  next?: string | undefined;
}

/**
 * The read half of a Repository: what listing, get, verification and the gate need. Read-only domain
 * functions take this role, so a caller can hand them a read-only view (a cache, a mirror, a
 * snapshot) and a reader of the code sees at the signature that they write nothing.
 */
export interface RepositoryReader {
  /** Human-readable location, e.g. `registry.example.com/team/app` or `oci:./layout`. */
  readonly location: string;

  /** Resolves a tag or digest to the descriptor of the manifest it names (mediaType, digest, size). */
  resolve(reference: string): Promise<Descriptor>;

  /** Fetches a manifest (or index) by tag or digest; bytes verified, size-limited. */
  fetchManifest(reference: string, options?: FetchManifestOptions): Promise<FetchedManifest>;

  /** The blob's descriptor (digest, size) if present, else undefined. */
  statBlob(digest: string): Promise<Descriptor | undefined>;

  /** Streams a blob; the stream throws an integrity error at its end if the digest does not match. */
  fetchBlob(descriptor: Descriptor): AsyncIterable<Uint8Array>;

  /** Reads a whole blob into memory (verified), refusing more than `maxBytes`. */
  fetchBlobBytes(descriptor: Descriptor, maxBytes: number): Promise<Uint8Array>;

  /** One page of tags (lexical order); `last` continues after a tag, `limit` caps the page size. */
  listTags(options?: { last?: string | undefined; limit?: number | undefined }): Promise<TagPage>;

  /** The referrers of a manifest digest. */
  referrers(subjectDigest: string, options?: ReferrersOptions): Promise<ReferrersResult>;
}

/** A repository that is also written: put, sign, delete, prune. */
export interface Repository extends RepositoryReader {
  /** Pushes manifest bytes; returns its descriptor. See the file comment for subject handling. */
  pushManifest(bytes: Uint8Array, options: PushManifestOptions): Promise<Descriptor>;

  /** Deletes a manifest by digest (and its referrers-listing entry when it has a subject). */
  deleteManifest(digest: string, options?: DeleteManifestOptions): Promise<void>;

  /**
   * Deletes referrers of one subject by digest, updating the referrers listing once for all of them
   * (one tag-schema index write, one index.json rewrite) rather than once per manifest. Throws like
   * `deleteManifest` (not-found for a digest neither stored nor listed, after the others are
   * deleted); at any moment the listing names a manifest that is gone only until the listing's
   * next update, never for good.
   */
  deleteManifests(
    digests: readonly string[],
    options: DeleteManifestsOptions,
  ): Promise<DeleteManifestsResult>;

  /** Uploads a blob whose digest and size are known; a no-op if the backend already has it. */
  pushBlob(descriptor: Descriptor, content: BlobSource, options?: PushBlobOptions): Promise<void>;

  /**
   * Optional: makes a blob that `from` holds present here without sending its bytes (registries:
   * cross-repository mount within one registry). Resolves false, having stored nothing, when this
   * backend cannot (another registry, another backend, the registry declined): upload it then.
   */
  mountBlob?(descriptor: Descriptor, from: RepositoryReader): Promise<boolean>;
}
