/**
 * The Repository backend over an OCI image layout directory (image-spec `image-layout.md`):
 * `oci-layout` (`{"imageLayoutVersion":"1.0.0"}`), `index.json` and `blobs/<alg>/<hex>`. manifesto's
 * embedded default: everything works offline on a directory.
 *
 * Rules:
 * - Tags are index.json entries with an `org.opencontainers.image.ref.name` annotation. A tag resolves
 *   to the last entry whose ref.name equals it; failing that, to an entry whose ref.name is a full
 *   reference ending in `:<tag>` after its last '/' (`docker.io/library/x:1.0`, as `crane pull
 *   --annotate-ref` and some skopeo versions write; ambiguous when such entries disagree). `listTags`
 *   lists the ref.names as written. manifesto writes bare tags (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`).
 * - Entries: a tagged push gets a tagged index.json entry (mediaType, digest, size, artifactType);
 *   tagging replaces the entries holding that ref.name, and a manifest that loses its last entry that
 *   way stays as an untagged entry. An untagged push gets an untagged entry, as oras does, except in
 *   the `unlisted` referrers mode (what the CLI uses): there an untagged manifest with a `subject` (a
 *   referrer) is stored as a blob only, so the layout keeps one entry per image and tools that take
 *   its only entry (skopeo `oci:DIR`, `crane push DIR`) keep working (unlisted-referrers.ts).
 * - Referrers: one pass over every manifest reachable from index.json (entries and, recursively, the
 *   children of indexes, which also covers referrers tag-schema indexes `<alg>-<hex>` that regclient
 *   writes into layouts) plus the manifests found by scanning `blobs/` (unlisted referrers: manifesto's,
 *   cosign v3's), keeping those whose `subject.digest` is the given digest. Parsed manifests are
 *   cached by digest for the life of the instance. Filtering by artifactType is local.
 * - Images (`listImages`, `onlyImage`): entries that are not referrers nor tag-schema indexes
 *   (layout-images.ts); `oci:DIR` without a tag means the `latest` tag if there is one, else the only
 *   image.
 * - deleteManifest removes every index.json entry of the digest (its tags too) and its blob, unless
 *   another manifest in the layout still references the blob as content (an index child; referrers
 *   tag-schema indexes do not count). Config and layer blobs are left alone (no garbage collection).
 *   deleteManifests does the same for many digests with one index.json rewrite.
 * - Writers serialise read-modify-write of index.json with the lock file `index.json.lock` (see
 *   src/util/file-lock.ts) and replace index.json and blobs atomically (temporary file + rename). Tools that
 *   do not take the lock (oras, crane) can still lose concurrent manifesto writes, and vice versa.
 * - Temporaries: removed on SIGINT/SIGTERM; those a killed writer left are swept before an
 *   instance's first write (temp-files.ts).
 */

import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import {
  conflictError,
  integrityError,
  ManifestoError,
  notFoundError,
  unsupportedError,
  usageError,
} from '../../errors/errors.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { digestOf, isDigest, parseDigest } from '../../oci/digest.ts';
import { MAX_MANIFEST_BYTES } from '../../oci/media-types.ts';
import { isMissingPath } from '../../util/errno.ts';
import { type FileLockOptions, withFileLock } from '../../util/file-lock.ts';
import { parseJsonObject } from '../../util/json-record.ts';
import { mapLimit } from '../../util/pool.ts';
import type {
  BlobSource,
  DeleteManifestOptions,
  DeleteManifestsOptions,
  DeleteManifestsResult,
  FetchedManifest,
  PushManifestOptions,
  ReferrersOptions,
  ReferrersResult,
  Repository,
  TagPage,
} from '../repository.ts';
import {
  BLOBS_DIR,
  blobSize,
  blobUnknown,
  readBlobBytes,
  readBlobStream,
  removeBlob,
  writeBlob,
} from './blob-store.ts';
import {
  addManifest,
  emptyIndexFile,
  entryDigest,
  entryMediaType,
  entryRefName,
  entrySize,
  INDEX_FILE,
  type IndexFile,
  lookupTag,
  newEntry,
  readIndexFile,
  refNames,
  removeManifest,
  removeUntagged,
  serializeIndexFile,
  writeIndexFile,
} from './index-file.ts';
import { type LayoutImage, onlyImage } from './layout-images.ts';
import {
  isManifestLike,
  type ManifestSummary,
  referrerDescriptor,
  summarizeManifest,
} from './manifest-summary.ts';
import { collectStaleTemps, trackTemp } from './temp-files.ts';
import { candidateBlobs, ownReferrerEntries } from './unlisted-referrers.ts';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_LAYOUT_VERSION = '1.0.0';
const BLOB_MEDIA_TYPE = 'application/octet-stream';
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** The referrers tag schema's tag for a digest (`sha256-<hex>`), as some tools write into layouts. */
const TAG_SCHEMA_PATTERN = /^(sha256|sha512)-[a-f0-9]{64,128}$/;
/** How many manifest files a referrers walk reads at once. */
const READ_CONCURRENCY = 32;

/**
 * Where untagged pushes of referrers go: `listed` (an untagged index.json entry each, as oras does,
 * visible to `oras discover` and layout garbage collectors) or `unlisted` (blobs only; index.json
 * keeps one entry per image, as skopeo and crane need). Default `listed`; the CLI uses `unlisted`.
 */
export type LayoutReferrersMode = 'listed' | 'unlisted';

export interface OpenLayoutOptions {
  /** Create the directory, `oci-layout`, `blobs/` and an empty `index.json` when missing. */
  create?: boolean | undefined;
  referrers?: LayoutReferrersMode | undefined;
  /** Waiting for and breaking the index.json lock (see src/util/file-lock.ts). */
  lock?: Partial<FileLockOptions> | undefined;
}

/** Opens (or with `create`, initialises) the OCI image layout at `path`. */
export async function openLayout(
  path: string,
  options: OpenLayoutOptions = {},
): Promise<OciLayoutRepository> {
  const root = resolvePath(path);
  const create = options.create === true;
  try {
    const info = await stat(root);
    if (!info.isDirectory()) throw notALayout(path, `${path} is not a directory`);
  } catch (error) {
    if (!isMissingPath(error)) throw error;
    if (!create) throw notALayout(path, `no OCI image layout at ${path}: the directory does not exist`);
    await mkdir(root, { recursive: true });
  }

  let layoutText = await readOptional(join(root, OCI_LAYOUT_FILE));
  if (layoutText === undefined) {
    if (!create)
      throw notALayout(path, `${path} is not an OCI image layout: it has no ${OCI_LAYOUT_FILE} file`);
    await createExclusive(
      join(root, OCI_LAYOUT_FILE),
      JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }),
    );
    layoutText = (await readOptional(join(root, OCI_LAYOUT_FILE))) ?? '';
  }
  checkLayoutVersion(path, layoutText);
  if (create) {
    await mkdir(join(root, BLOBS_DIR), { recursive: true });
    await createExclusive(join(root, INDEX_FILE), serializeIndexFile(emptyIndexFile()));
  }
  return new OciLayoutRepository(path, root, options.lock, options.referrers);
}

function notALayout(path: string, message: string): ManifestoError {
  return notFoundError(
    'LAYOUT_NOT_FOUND',
    message,
    `Check the path, or create the layout (a directory with oci-layout, index.json and blobs/) by writing to oci:${path}.`,
  );
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissingPath(error)) return undefined;
    throw error;
  }
}

/** Writes a file only if it does not exist, atomically (temporary file hard-linked into place). */
async function createExclusive(path: string, content: string): Promise<void> {
  if ((await readOptional(path)) !== undefined) return;
  const { path: temp, release } = trackTemp(path);
  try {
    await writeFile(temp, content, { flag: 'wx', mode: 0o644 });
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temp, { force: true });
    release();
  }
}

function checkLayoutVersion(path: string, text: string): void {
  const parsed = parseJsonObject(new TextEncoder().encode(text));
  const version = parsed?.imageLayoutVersion;
  if (typeof version !== 'string') {
    throw integrityError(
      'LAYOUT_INVALID',
      `${join(path, OCI_LAYOUT_FILE)} is not a valid oci-layout file`,
      `It must be a JSON object such as {"imageLayoutVersion":"${OCI_LAYOUT_VERSION}"}.`,
    );
  }
  if (!version.startsWith('1.')) {
    throw unsupportedError(
      'LAYOUT_VERSION_UNSUPPORTED',
      `${path} has OCI image layout version ${version}; manifesto supports ${OCI_LAYOUT_VERSION}`,
      'Convert the layout with a tool that supports its version.',
    );
  }
}

function manifestUnknown(reference: string, location: string): ManifestoError {
  return notFoundError(
    'MANIFEST_UNKNOWN',
    `manifest ${reference} not found in ${location}`,
    isDigest(reference)
      ? 'The layout does not hold this manifest.'
      : "No index.json entry has this tag as its org.opencontainers.image.ref.name; list the layout's tags.",
  );
}

interface WalkNode {
  digest: string;
  size: number | undefined;
  mediaType: string | undefined;
}

export class OciLayoutRepository implements Repository {
  readonly location: string;
  /** Absolute path of the layout directory. */
  readonly root: string;
  readonly #lockOptions: Partial<FileLockOptions> | undefined;
  /** Parsed manifests by digest (content-addressed, so never stale); null: stored but not a manifest. */
  readonly #summaries = new Map<string, ManifestSummary | null>();
  /** Blobs the scan for unlisted referrers found not to be manifests (unlisted-referrers.ts). */
  readonly #notManifests = new Set<string>();
  /** The stale-temporaries sweep, run once before this instance's first write. */
  #sweep: Promise<unknown> | undefined;

  readonly #referrersMode: LayoutReferrersMode;
  /** Whether this instance already removed older manifesto's untagged referrer entries. */
  #migrated = false;

  constructor(
    path: string,
    root: string,
    lockOptions?: Partial<FileLockOptions>,
    referrers?: LayoutReferrersMode,
  ) {
    this.location = `oci:${path}`;
    this.root = root;
    this.#lockOptions = lockOptions;
    this.#referrersMode = referrers ?? 'listed';
  }

  async resolve(reference: string): Promise<Descriptor> {
    if (isDigest(reference)) {
      const summary = await this.#summary({ digest: reference, size: undefined, mediaType: undefined }, true);
      if (!summary) throw manifestUnknown(reference, this.location);
      return { mediaType: summary.mediaType, digest: reference, size: summary.size };
    }
    const found = await this.#lookupTag(reference);
    if (found.mediaType !== undefined && found.size !== undefined) {
      return { mediaType: found.mediaType, digest: found.digest, size: found.size };
    }
    const summary = await this.#summary(found, true);
    if (!summary) throw manifestUnknown(reference, this.location);
    return { mediaType: summary.mediaType, digest: found.digest, size: summary.size };
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const node: WalkNode = isDigest(reference)
      ? { digest: reference, size: undefined, mediaType: undefined }
      : await this.#lookupTag(reference);
    const bytes = await this.#manifestBytes(node);
    if (!bytes) throw manifestUnknown(reference, this.location);
    const summary = summarizeManifest(bytes, node.mediaType);
    if (!summary) {
      if (isDigest(reference)) throw manifestUnknown(reference, this.location);
      throw integrityError(
        'MANIFEST_INVALID',
        `tag ${reference} in ${this.location} names ${node.digest}, which is not a manifest`,
        "Repair the layout's index.json entry for this tag.",
      );
    }
    this.#summaries.set(node.digest, summary);
    return {
      descriptor: { mediaType: summary.mediaType, digest: node.digest, size: bytes.byteLength },
      bytes,
    };
  }

  async pushManifest(bytes: Uint8Array, options: PushManifestOptions): Promise<Descriptor> {
    if (bytes.byteLength > MAX_MANIFEST_BYTES) {
      throw usageError(
        'MANIFEST_TOO_LARGE',
        `manifest of ${bytes.byteLength} bytes is larger than the limit of ${MAX_MANIFEST_BYTES}`,
        'Split the content into blobs referenced by a smaller manifest.',
      );
    }
    const { mediaType, tag } = options;
    if (tag !== undefined) validateTag(tag);
    if (!isManifestLike(mediaType)) {
      throw unsupportedError(
        'MANIFEST_MEDIA_TYPE_UNSUPPORTED',
        `cannot store a manifest of media type ${mediaType} in an OCI image layout`,
        'Use an OCI image manifest or index (or a Docker v2 manifest or manifest list).',
      );
    }
    const object = parseJsonObject(bytes);
    if (!object) throw usageError('MANIFEST_INVALID', 'manifest is not a JSON object');
    const own = object.mediaType;
    if (own !== undefined && own !== mediaType) {
      throw usageError(
        'MANIFEST_INVALID',
        `manifest mediaType field ${JSON.stringify(own)} does not match the media type ${mediaType}`,
        'Push the manifest with the media type its mediaType field declares.',
      );
    }
    const summary = summarizeManifest(bytes, mediaType);
    if (!summary) throw usageError('MANIFEST_INVALID', `manifest is not a valid ${mediaType}`);

    const descriptor: Descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
    await this.#sweepOnce();
    await writeBlob(this.root, descriptor, bytes);
    this.#summaries.set(descriptor.digest, summary);
    options.onStored?.(descriptor);
    if (this.#referrersMode === 'unlisted' && tag === undefined && summary.subjectDigest !== undefined) {
      // A referrer: a blob only (see unlisted-referrers.ts); older manifesto's entries leave index.json.
      await this.#migrateOnce();
      return descriptor;
    }
    const entry = newEntry(descriptor, summary.declaredArtifactType, tag);
    await this.#withIndexLock(async () => {
      // A concurrent deleteManifest of the same content may have removed the blob meanwhile.
      await writeBlob(this.root, descriptor, bytes);
      const next = addManifest(await readIndexFile(this.root), entry, tag);
      if (next) await writeIndexFile(this.root, next);
    });
    return descriptor;
  }

  async deleteManifest(digest: string, _options?: DeleteManifestOptions): Promise<void> {
    await this.#deleteAll([digest], {});
  }

  /** One index.json rewrite under the lock for all of them (the subject is not needed here). */
  deleteManifests(
    digests: readonly string[],
    options: DeleteManifestsOptions,
  ): Promise<DeleteManifestsResult> {
    return this.#deleteAll(digests, options);
  }

  /**
   * Removes the index.json entries of the digests in one rewrite, then the blobs nothing else
   * references: a crash in between leaves unreferenced blobs, never an entry naming a missing blob.
   * A digest with neither an entry nor a manifest blob is reported (not-found) after the others.
   */
  async #deleteAll(
    digests: readonly string[],
    options: Pick<DeleteManifestsOptions, 'absentOk' | 'onDeleted'>,
  ): Promise<DeleteManifestsResult> {
    const unique = [...new Set(digests)];
    for (const digest of unique) parseDigest(digest);
    if (unique.length === 0) return { absent: [] };
    await this.#sweepOnce();
    return await this.#withIndexLock(async () => {
      const index = await readIndexFile(this.root);
      let next: IndexFile = index;
      const present: string[] = [];
      const missing: string[] = [];
      for (const digest of unique) {
        const removed = removeManifest(next, digest);
        if (removed) next = removed;
        if (removed || (await this.#summary({ digest, size: undefined, mediaType: undefined }, true))) {
          present.push(digest);
        } else {
          missing.push(digest);
        }
      }
      const referenced = await this.#referencedAmong(next, present);
      if (next !== index) await writeIndexFile(this.root, next);
      for (const digest of present) {
        if (!referenced.has(digest)) await removeBlob(this.root, digest);
        this.#summaries.delete(digest);
        options.onDeleted?.(digest);
      }
      const [firstMissing] = missing;
      if (firstMissing !== undefined && options.absentOk !== true) {
        throw manifestUnknown(firstMissing, this.location);
      }
      return { absent: missing };
    });
  }

  async statBlob(digest: string): Promise<Descriptor | undefined> {
    const size = await blobSize(this.root, digest);
    return size === undefined ? undefined : { mediaType: BLOB_MEDIA_TYPE, digest, size };
  }

  fetchBlob(descriptor: Descriptor): AsyncIterable<Uint8Array> {
    // Lazy: an invalid digest or a missing blob throws when iterated, like a failed download.
    return readBlobStream(this.root, descriptor, this.location);
  }

  async fetchBlobBytes(descriptor: Descriptor, maxBytes: number): Promise<Uint8Array> {
    if (descriptor.size > maxBytes) {
      throw usageError(
        'BLOB_TOO_LARGE',
        `blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${maxBytes}-byte limit`,
        'This content is too large to read into memory here.',
      );
    }
    const bytes = await readBlobBytes(
      this.root,
      descriptor.digest,
      descriptor.size,
      maxBytes,
      'BLOB_TOO_LARGE',
    );
    if (!bytes) throw blobUnknown(descriptor.digest, this.location);
    return bytes;
  }

  async pushBlob(descriptor: Descriptor, content: BlobSource): Promise<void> {
    parseDigest(descriptor.digest);
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
      throw usageError('SIZE_INVALID', `invalid blob size ${descriptor.size} for ${descriptor.digest}`);
    }
    await this.#sweepOnce();
    await writeBlob(this.root, descriptor, content);
  }

  async listTags(options: { last?: string | undefined; limit?: number | undefined } = {}): Promise<TagPage> {
    const { last, limit } = options;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
      throw usageError(
        'LIMIT_INVALID',
        `invalid tag page size ${limit}`,
        'The page size is a positive integer.',
      );
    }
    let names = refNames(await readIndexFile(this.root));
    if (last !== undefined) names = names.filter((name) => name > last);
    if (limit === undefined || names.length <= limit) return { tags: names };
    const tags = names.slice(0, limit);
    return { tags, next: tags[tags.length - 1] };
  }

  async referrers(subjectDigest: string, options: ReferrersOptions = {}): Promise<ReferrersResult> {
    parseDigest(subjectDigest);
    const { artifactType } = options;
    const manifests: Descriptor[] = [];
    const all = await this.#walk(await readIndexFile(this.root));
    for (const [digest, summary] of await this.#unlisted(all)) all.set(digest, summary);
    for (const [digest, summary] of all) {
      if (summary.subjectDigest !== subjectDigest) continue;
      if (artifactType !== undefined && summary.artifactType !== artifactType) continue;
      manifests.push(referrerDescriptor(digest, summary));
    }
    return { manifests, source: 'layout', filtered: artifactType !== undefined, state: { source: 'layout' } };
  }

  /** The layout's images: index.json entries that are not referrers nor tag-schema indexes. */
  async listImages(): Promise<LayoutImage[]> {
    const index = await readIndexFile(this.root);
    const images = new Map<string, LayoutImage>();
    for (const entry of index.entries) {
      const digest = entryDigest(entry);
      const name = entryRefName(entry);
      const mediaType = entryMediaType(entry);
      if (digest === undefined || !isManifestLike(mediaType)) continue;
      if (name !== undefined && TAG_SCHEMA_PATTERN.test(name)) continue;
      let image = images.get(digest);
      if (image === undefined) {
        const summary = await this.#summary({ digest, size: entrySize(entry), mediaType }, false);
        if (!summary || summary.subjectDigest !== undefined) continue;
        image = { digest, mediaType: summary.mediaType, size: summary.size, names: [] };
        if (summary.declaredArtifactType !== undefined) image.artifactType = summary.declaredArtifactType;
        images.set(digest, image);
      }
      if (name !== undefined && !image.names.includes(name)) image.names.push(name);
    }
    return [...images.values()];
  }

  /**
   * What `oci:DIR` without a tag names: the tag `latest` when the layout has it (as before), else the
   * digest of the layout's only image; an error naming the images when there are several or none.
   */
  async defaultTarget(): Promise<string> {
    if (lookupTag(await readIndexFile(this.root), 'latest').kind === 'found') return 'latest';
    return onlyImage(await this.listImages(), this.location).digest;
  }

  /** The index.json entry a tag names (as a walk node). */
  async #lookupTag(tag: string): Promise<WalkNode> {
    if (tag === '') throw usageError('REFERENCE_INVALID', 'empty tag', 'Give a tag or a digest.');
    const found = lookupTag(await readIndexFile(this.root), tag);
    if (found.kind === 'missing') throw manifestUnknown(tag, this.location);
    if (found.kind === 'ambiguous') {
      throw new ManifestoError(
        'TAG_AMBIGUOUS',
        `tag ${tag} in ${this.location} matches references naming different manifests: ${found.refNames.join(', ')}`,
        { category: 'ambiguous', hint: 'Use the full reference name as the tag, or a digest.' },
      );
    }
    return { digest: found.digest, size: entrySize(found.entry), mediaType: entryMediaType(found.entry) };
  }

  /**
   * The summary of a stored manifest (cached). Undefined when the blob is missing or not a manifest.
   * `checkExists` re-checks a cached blob is still on disk (another process may have deleted it).
   */
  /** A manifest's bytes (undefined when the blob is absent), refused above the manifest size limit. */
  #manifestBytes(node: WalkNode): Promise<Uint8Array | undefined> {
    return readBlobBytes(this.root, node.digest, node.size, MAX_MANIFEST_BYTES, 'MANIFEST_TOO_LARGE');
  }

  async #summary(node: WalkNode, checkExists: boolean): Promise<ManifestSummary | undefined> {
    const cached = this.#summaries.get(node.digest);
    if (cached !== undefined) {
      if (cached === null) return undefined;
      if (node.size !== undefined && node.size !== cached.size) {
        throw integrityError(
          'SIZE_MISMATCH',
          `${node.digest} has ${cached.size} bytes, its descriptor in ${this.location} says ${node.size}`,
          "Repair the layout's descriptor; do not trust it.",
        );
      }
      if (!checkExists || (await blobSize(this.root, node.digest)) !== undefined) return cached;
      this.#summaries.delete(node.digest);
      return undefined;
    }
    const bytes = await this.#manifestBytes(node);
    if (!bytes) return undefined;
    const summary = summarizeManifest(bytes, node.mediaType);
    this.#summaries.set(node.digest, summary ?? null);
    return summary;
  }

  /** Every manifest reachable from index.json (entries, then index children), read once each. */
  async #walk(index: IndexFile): Promise<Map<string, ManifestSummary>> {
    const found = new Map<string, ManifestSummary>();
    const seen = new Set<string>();
    let level: WalkNode[] = [];
    for (const entry of index.entries) {
      const digest = entryDigest(entry);
      const mediaType = entryMediaType(entry);
      if (digest === undefined || seen.has(digest) || !isManifestLike(mediaType)) continue;
      seen.add(digest);
      level.push({ digest, size: entrySize(entry), mediaType });
    }
    while (level.length > 0) {
      const summaries = await mapLimit(level, READ_CONCURRENCY, (node) => this.#summary(node, false));
      const next: WalkNode[] = [];
      level.forEach((node, i) => {
        const summary = summaries[i];
        if (!summary) return; // missing (a partial layout) or not a manifest
        found.set(node.digest, summary);
        for (const child of summary.manifests) {
          if (seen.has(child.digest) || !isManifestLike(child.mediaType || undefined)) continue;
          seen.add(child.digest);
          next.push({ digest: child.digest, size: child.size, mediaType: child.mediaType || undefined });
        }
      });
      level = next;
    }
    return found;
  }

  /** Those of `digests` a manifest reachable from `index` references as content (tag-schema indexes aside). */
  async #referencedAmong(index: IndexFile, digests: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(digests);
    const referenced = new Set<string>();
    const tagSchemaRoots = new Set<string>();
    for (const entry of index.entries) {
      const name = entryRefName(entry);
      const d = entryDigest(entry);
      if (name !== undefined && d !== undefined && TAG_SCHEMA_PATTERN.test(name)) tagSchemaRoots.add(d);
    }
    for (const [d, summary] of await this.#walk(index)) {
      if (tagSchemaRoots.has(d)) continue;
      for (const r of summary.references) if (r !== d && wanted.has(r)) referenced.add(r);
    }
    return referenced;
  }

  /** Manifests in blobs/ that `reachable` does not hold and that have a subject (unlisted-referrers.ts). */
  async #unlisted(reachable: ReadonlyMap<string, ManifestSummary>): Promise<Map<string, ManifestSummary>> {
    const candidates = await candidateBlobs(
      join(this.root, BLOBS_DIR),
      (d) => this.#summaries.has(d),
      this.#notManifests,
    );
    const found = new Map<string, ManifestSummary>();
    const fresh = candidates.filter((c) => !reachable.has(c.digest));
    const summaries = await mapLimit(fresh, READ_CONCURRENCY, (c) =>
      this.#summary({ digest: c.digest, size: c.size < 0 ? undefined : c.size, mediaType: undefined }, false),
    );
    fresh.forEach((c, i) => {
      const summary = summaries[i];
      if (summary?.subjectDigest !== undefined) found.set(c.digest, summary);
    });
    return found;
  }

  /**
   * Once per instance, in the unlisted mode: removes the untagged index.json entries older manifesto
   * versions added for their referrers (their blobs stay and are still found by the scan).
   */
  async #migrateOnce(): Promise<void> {
    if (this.#migrated) return;
    this.#migrated = true;
    const summaries = new Map<string, ManifestSummary | undefined>();
    const load = async (index: IndexFile) => {
      for (const entry of index.entries) {
        const digest = entryDigest(entry);
        if (digest === undefined || entryRefName(entry) !== undefined || summaries.has(digest)) continue;
        const node = { digest, size: entrySize(entry), mediaType: entryMediaType(entry) };
        summaries.set(digest, isManifestLike(node.mediaType) ? await this.#summary(node, false) : undefined);
      }
    };
    const before = await readIndexFile(this.root);
    await load(before);
    if (!ownReferrerEntries(before, (d) => summaries.get(d))) return;
    await this.#withIndexLock(async () => {
      const index = await readIndexFile(this.root);
      await load(index);
      const drop = ownReferrerEntries(index, (d) => summaries.get(d));
      const next = drop === undefined ? undefined : removeUntagged(index, drop);
      if (next) await writeIndexFile(this.root, next);
    });
  }

  /** Before the first write: removes temporaries that killed writers left (temp-files.ts). */
  #sweepOnce(): Promise<unknown> {
    this.#sweep ??= collectStaleTemps(this.root, join(this.root, BLOBS_DIR));
    return this.#sweep;
  }

  /** Runs a read-modify-write of index.json under the layout's lock file. */
  #withIndexLock<T>(action: () => Promise<T>): Promise<T> {
    const lockPath = join(this.root, `${INDEX_FILE}.lock`);
    return withFileLock(
      lockPath,
      action,
      (reason) =>
        conflictError(
          'LAYOUT_LOCKED',
          `timed out waiting for the layout's lock: ${reason}`,
          `Another process is writing this layout. If none is, remove ${lockPath} and retry.`,
        ),
      this.#lockOptions,
    );
  }
}

function validateTag(tag: string): void {
  if (!TAG_PATTERN.test(tag)) {
    throw usageError(
      'TAG_INVALID',
      `invalid tag ${JSON.stringify(tag)}`,
      'A tag is 1-128 characters: letters, digits, "_", "." and "-", not starting with "." or "-".',
    );
  }
}
