/**
 * The Repository of src/content/repository.ts for one repository of an OCI registry, over a
 * RegistryTransport. Referrers come from the OCI referrers API where the registry has it (detected by
 * probing, see capabilities.ts), else from the referrers tag schema, which this class keeps up to date
 * when manifests with a `subject` are pushed or deleted (see referrers-tag-schema.ts).
 */
import type {
  BlobSource,
  DeleteManifestOptions,
  DeleteManifestsOptions,
  DeleteManifestsResult,
  FetchedManifest,
  FetchManifestOptions,
  PushBlobOptions,
  PushManifestOptions,
  ReferrersOptions,
  ReferrersResult,
  ReferrersState,
  Repository,
  RepositoryReader,
  TagPage,
} from '../content/repository.ts';
import { isManifestoError, notFoundError, unsupportedError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { digestOf, isDigest, parseDigest } from '../oci/digest.ts';
import { mountBlob } from './blob-mount.ts';
import { type BlobUploadOptions, pushBlob } from './blob-upload.ts';
import { fetchBlob, fetchBlobBytes, statBlob } from './blobs.ts';
import {
  probeReferrers,
  processReferrersCapabilities,
  type ReferrersCapabilityCache,
  type ReferrersProbe,
  recordReferrersReply,
  referrersCapability,
  requestReferrers,
} from './capabilities.ts';
import { deleteManifestsByDigest } from './delete-manifests.ts';
import type { RegistryTransport } from './http/types.ts';
import type { ManifestCache } from './manifest-cache.ts';
import { type ManifestInfo, manifestInfo } from './manifest-info.ts';
import {
  checkManifestSize,
  deleteManifestReference,
  fetchManifest,
  putManifest,
  resolveManifest,
} from './manifests.ts';
import { listReferrersFromApi, recentlyFetchedManifest, repairArtifactTypes } from './referrers-api.ts';
import { queueReferrersUpdate } from './referrers-index-queue.ts';
import {
  checkIndexRoom,
  type IndexSnapshot,
  mergeChange,
  type ReferrerChange,
  readReferrersIndex,
  referrersTag,
  systemClock,
  type TagSchemaOptions,
} from './referrers-tag-schema.ts';
import { checkReference, checkRepositoryName, type RegistryTarget, targetKey } from './registry-target.ts';
import { listTags } from './tags.ts';

export interface RegistryRepositoryOptions {
  /** Capability cache; defaults to the process-wide one. */
  capabilities?: ReferrersCapabilityCache | undefined;
  /** Settle time, retries and clock of tag-schema updates. */
  tagSchema?: TagSchemaOptions | undefined;
  upload?: BlobUploadOptions | undefined;
  /** Manifests by digest, shared across processes (see manifest-cache.ts); none by default. */
  manifestCache?: ManifestCache | undefined;
  /** Warnings about referrers a listing skips (see RegistryTarget.warn). */
  warn?: ((message: string) => void) | undefined;
}

export interface RegistryRepositoryInit {
  transport: RegistryTransport;
  /** Repository name, e.g. `team/app`. */
  repository: string;
  options?: RegistryRepositoryOptions | undefined;
}

/** What a tag-schema ReferrersState stands for: the snapshot it was made from (states stay opaque). */
interface StateRecord {
  key: string;
  subject: string;
  snapshot: IndexSnapshot;
}

const stateRecords = new WeakMap<ReferrersState, StateRecord>();

/** Waits before each new PUT of a manifest whose blob the registry called unknown (see #putManifestPatiently). */
const BLOB_UNKNOWN_RETRY_MS = [50, 150, 400];

export class RegistryRepository implements Repository {
  readonly location: string;
  readonly #target: RegistryTarget;
  readonly #capabilities: ReferrersCapabilityCache;
  readonly #tagSchema: TagSchemaOptions;
  readonly #upload: BlobUploadOptions;

  constructor(init: RegistryRepositoryInit) {
    checkRepositoryName(init.repository);
    this.#target = {
      transport: init.transport,
      repository: init.repository,
      manifestCache: init.options?.manifestCache,
      warn: init.options?.warn,
    };
    this.location = `${init.transport.registry}/${init.repository}`;
    this.#capabilities = init.options?.capabilities ?? processReferrersCapabilities;
    this.#tagSchema = init.options?.tagSchema ?? {};
    this.#upload = init.options?.upload ?? {};
  }

  resolve(reference: string): Promise<Descriptor> {
    return resolveManifest(this.#target, reference);
  }

  async fetchManifest(reference: string, options: FetchManifestOptions = {}): Promise<FetchedManifest> {
    if (options.cached === true && isDigest(reference)) {
      const bytes =
        this.#target.manifestCache === undefined
          ? recentlyFetchedManifest(reference)
          : await this.#target.manifestCache.read(reference);
      const info = bytes === undefined ? undefined : manifestInfo(bytes);
      const mediaType = info?.mediaType ?? info?.inferredMediaType;
      if (bytes !== undefined && mediaType !== undefined) {
        return { descriptor: { mediaType, digest: reference, size: bytes.byteLength }, bytes };
      }
    }
    const { descriptor, bytes } = await fetchManifest(this.#target, reference);
    if (options.cached === true) await this.#target.manifestCache?.write(descriptor.digest, bytes);
    return { descriptor, bytes };
  }

  async pushManifest(bytes: Uint8Array, options: PushManifestOptions): Promise<Descriptor> {
    checkManifestSize(bytes);
    if (options.tag !== undefined) checkReference(options.tag);
    const info = manifestInfo(bytes);
    if (info?.subject !== undefined)
      this.#checkIndexRoom(bytes, options.mediaType, info, options.referrersState);
    const { digest, ociSubject } = await this.#putManifestPatiently(bytes, options.mediaType, options.tag);
    const descriptor: Descriptor = { mediaType: options.mediaType, digest, size: bytes.byteLength };
    const subject = info?.subject;
    if (subject === undefined) {
      options.onStored?.(descriptor);
      return descriptor;
    }
    // Referrers are what registries may list without their annotations: remember ours.
    await this.#target.manifestCache?.write(digest, bytes);
    options.onStored?.(descriptor);
    if (ociSubject !== undefined) {
      // The registry processed the subject itself: it has the referrers API.
      this.#capabilities.set(this.#target, 'api');
      return descriptor;
    }
    const capability = await referrersCapability(this.#capabilities, this.#target, subject.digest);
    if (capability === 'api') return descriptor;
    const change: ReferrerChange = { kind: 'add', descriptor: referrerEntry(descriptor, info) };
    try {
      await queueReferrersUpdate(
        this.#target,
        subject.digest,
        change,
        this.#snapshotFrom(options.referrersState, subject.digest),
        this.#tagSchema,
      );
    } catch (error) {
      // The index filled up meanwhile: take the unlisted manifest back, so nothing is half-written.
      if (isManifestoError(error) && error.code === 'REFERRERS_INDEX_FULL') {
        await deleteManifestReference(this.#target, digest).catch(() => undefined);
      }
      throw error;
    }
    return descriptor;
  }

  /**
   * Before a referrer is pushed: refuses it when the caller's listing shows the subject's tag-schema
   * index would exceed the manifest limit with it (REFERRERS_INDEX_FULL, nothing written). The update
   * checks again against the index it merges into.
   */
  #checkIndexRoom(
    bytes: Uint8Array,
    mediaType: string,
    info: ManifestInfo,
    state: ReferrersState | undefined,
  ): void {
    const subject = info.subject;
    if (subject === undefined || state?.source !== 'tag-schema') return;
    const snapshot = this.#snapshotFrom(state, subject.digest);
    if (snapshot === undefined) return;
    const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
    const change: ReferrerChange = { kind: 'add', descriptor: referrerEntry(descriptor, info) };
    checkIndexRoom(
      this.#target,
      referrersTag(subject.digest),
      snapshot.manifests,
      mergeChange(snapshot.manifests, change),
      change,
    );
  }

  /**
   * PUTs a manifest, again after a short wait when the registry names one of its blobs unknown:
   * distribution rewrites a repository's blob link non-atomically (truncate, then write) on every upload
   * of the blob, so while another client uploads the same blob (the empty config every artifact shares)
   * the blob is momentarily unknown. Not used for tag-schema index writes, whose read-to-write window
   * is bounded (tag-schema-timing.ts).
   */
  async #putManifestPatiently(bytes: Uint8Array, mediaType: string, tag: string | undefined) {
    const clock = this.#tagSchema.clock ?? systemClock;
    for (let attempt = 0; ; attempt++) {
      try {
        return await putManifest(this.#target, bytes, mediaType, tag);
      } catch (error) {
        const blobUnknown =
          isManifestoError(error) &&
          error.status === 400 &&
          error.registryErrors.some((e) => e.code === 'MANIFEST_BLOB_UNKNOWN' || e.code === 'BLOB_UNKNOWN');
        if (!blobUnknown || attempt >= BLOB_UNKNOWN_RETRY_MS.length) throw error;
        await clock.sleep(BLOB_UNKNOWN_RETRY_MS[attempt]! * (0.5 + clock.random()));
      }
    }
  }

  async deleteManifest(digest: string, options: DeleteManifestOptions = {}): Promise<void> {
    parseDigest(digest);
    let subject = options.subject;
    let capability = this.#capabilities.get(this.#target);
    if (subject === undefined && capability !== 'api') {
      // Whether the listing must be updated depends on the manifest's subject: read it first.
      try {
        subject = (await fetchManifest(this.#target, digest)).info?.subject;
      } catch (error) {
        if (!isManifestoError(error) || error.category !== 'not-found') throw error;
      }
    }
    const outcome = await deleteManifestReference(this.#target, digest);
    if (outcome === 'unsupported') {
      throw deleteUnsupported(this.location, digest);
    }
    let listed = false;
    if (subject !== undefined) {
      capability ??= await referrersCapability(this.#capabilities, this.#target, subject.digest);
      if (capability === 'tag-schema') {
        const result = await queueReferrersUpdate(
          this.#target,
          subject.digest,
          { kind: 'remove', digests: [digest] },
          this.#snapshotFrom(options.referrersState, subject.digest),
          this.#tagSchema,
        );
        listed = !result.alreadyReflected;
      }
    }
    if (outcome === 'absent' && !listed) {
      throw notFoundError(
        'MANIFEST_UNKNOWN',
        `manifest ${this.location}@${digest} not found`,
        'It may have been deleted already.',
      );
    }
  }

  /**
   * Batch removal of referrers of one subject. Order, as for one delete: first the manifests (a few
   * DELETEs at a time), then ONE tag-schema index update removing every digest whose DELETE was
   * answered. A process that dies between the two leaves index entries naming deleted manifests;
   * they do not stay: deleting them again unlists them without an error, and distribution rejects
   * any index write that names a missing manifest, so the next writer of the index drops them
   * (recoverRejectedWrite in referrers-index-update.ts). The opposite order would leave manifests no listing names.
   * When a DELETE fails, no new one is started; those already done are still removed from the index.
   */
  async deleteManifests(
    digests: readonly string[],
    options: DeleteManifestsOptions,
  ): Promise<DeleteManifestsResult> {
    const unique = [...new Set(digests)];
    for (const digest of unique) parseDigest(digest);
    const subject = options.subject.digest;
    parseDigest(subject);
    if (unique.length === 0) return { absent: [] };
    const deletions = await deleteManifestsByDigest(this.#target, unique, undefined, options.onDeleted);
    const done = [...deletions.outcomes.keys()];
    let listed: ReadonlySet<string> = new Set();
    if (done.length > 0) {
      const capability =
        this.#capabilities.get(this.#target) ??
        (await referrersCapability(this.#capabilities, this.#target, subject));
      if (capability === 'tag-schema') {
        const update = queueReferrersUpdate(
          this.#target,
          subject,
          { kind: 'remove', digests: done },
          this.#snapshotFrom(options.referrersState, subject),
          this.#tagSchema,
        );
        // A failed DELETE is the error to report; the index update of the others is best effort then.
        if (deletions.failure !== undefined || deletions.unsupported !== undefined) {
          await update.catch(() => undefined);
        } else {
          listed = (await update).firstListed;
        }
      }
    }
    if (deletions.failure !== undefined) throw deletions.failure.error;
    if (deletions.unsupported !== undefined) throw deleteUnsupported(this.location, deletions.unsupported);
    const absent = done.filter((d) => deletions.outcomes.get(d) === 'absent' && !listed.has(d));
    if (absent.length > 0 && options.absentOk !== true) {
      throw notFoundError(
        'MANIFEST_UNKNOWN',
        `manifest ${this.location}@${absent[0]} not found`,
        'It may have been deleted already.',
      );
    }
    return { absent };
  }

  statBlob(digest: string): Promise<Descriptor | undefined> {
    return statBlob(this.#target, digest);
  }

  fetchBlob(descriptor: Descriptor): AsyncIterable<Uint8Array> {
    return fetchBlob(this.#target, descriptor);
  }

  fetchBlobBytes(descriptor: Descriptor, maxBytes: number): Promise<Uint8Array> {
    return fetchBlobBytes(this.#target, descriptor, maxBytes);
  }

  /** Cross-repository mount from another repository of this registry (blob-mount.ts). */
  async mountBlob(descriptor: Descriptor, from: RepositoryReader): Promise<boolean> {
    if (!(from instanceof RegistryRepository)) return false;
    const source = from.#target;
    if (
      source.transport.registry !== this.#target.transport.registry ||
      source.repository === this.#target.repository
    )
      return false;
    return mountBlob(this.#target, descriptor, source.repository);
  }

  pushBlob(descriptor: Descriptor, content: BlobSource, options?: PushBlobOptions): Promise<void> {
    return pushBlob(this.#target, descriptor, content, this.#upload, options?.existenceCheck ?? true);
  }

  listTags(options?: { last?: string | undefined; limit?: number | undefined }): Promise<TagPage> {
    return listTags(this.#target, options);
  }

  async #requestReferrers(subjectDigest: string, artifactType: string | undefined): Promise<ReferrersProbe> {
    const { reply, url } = await requestReferrers(this.#target, subjectDigest, artifactType);
    return { reply, url, capability: recordReferrersReply(this.#capabilities, this.#target, reply) };
  }

  async referrers(subjectDigest: string, options: ReferrersOptions = {}): Promise<ReferrersResult> {
    parseDigest(subjectDigest);
    const { artifactType } = options;
    const filter = (manifests: readonly Descriptor[]) =>
      artifactType === undefined ? [...manifests] : manifests.filter((d) => d.artifactType === artifactType);

    // A first listing learns whether the registry has the API; concurrent ones wait for its answer.
    const probe = await probeReferrers(this.#capabilities, this.#target, subjectDigest, artifactType);
    if (this.#capabilities.get(this.#target) !== 'tag-schema') {
      const { reply, url, capability } = probe ?? (await this.#requestReferrers(subjectDigest, artifactType));
      if (reply.kind === 'index') {
        const listing = await listReferrersFromApi(this.#target, reply, url, artifactType);
        return {
          manifests: listing.manifests,
          source: 'api',
          filtered: artifactType !== undefined,
          state: { source: 'api' },
        };
      }
      if (capability === undefined) {
        // The repository does not exist (yet): nothing refers to anything in it.
        if (this.#capabilities.get(this.#target) === 'api') {
          return {
            manifests: [],
            source: 'api',
            filtered: artifactType !== undefined,
            state: { source: 'api' },
          };
        }
        const now = systemNow(this.#tagSchema);
        return this.#tagSchemaResult(subjectDigest, [], artifactType, {
          digest: undefined,
          etag: undefined,
          manifests: [],
          readStartedAt: now,
          observedAt: now,
        });
      }
    }
    const snapshot = await readReferrersIndex(
      this.#target,
      subjectDigest,
      this.#tagSchema.clock ?? systemClock,
    );
    // The state keeps the index as read (writes merge into it); the listing gets repaired entries.
    const listed = await repairArtifactTypes(this.#target, snapshot.manifests);
    return this.#tagSchemaResult(subjectDigest, filter(listed), artifactType, snapshot);
  }

  #tagSchemaResult(
    subjectDigest: string,
    manifests: Descriptor[],
    artifactType: string | undefined,
    snapshot: IndexSnapshot,
  ): ReferrersResult {
    const state: ReferrersState = {
      source: 'tag-schema',
      indexDigest: snapshot.digest,
      manifests: snapshot.manifests,
      writeRefusal: snapshot.notReferrers,
    };
    stateRecords.set(state, { key: targetKey(this.#target), subject: subjectDigest, snapshot });
    return { manifests, source: 'tag-schema', filtered: artifactType !== undefined, state };
  }

  /** The snapshot behind a caller's state, if it is ours, for this repository and subject. */
  #snapshotFrom(state: ReferrersState | undefined, subjectDigest: string): IndexSnapshot | undefined {
    if (state === undefined) return undefined;
    const record = stateRecords.get(state);
    if (record === undefined || record.key !== targetKey(this.#target) || record.subject !== subjectDigest) {
      return undefined;
    }
    return record.snapshot;
  }
}

/** The index entry of a referrer: its descriptor with artifactType and annotations from the manifest. */
function referrerEntry(descriptor: Descriptor, info: ManifestInfo | undefined): Descriptor {
  const entry: Descriptor = { ...descriptor };
  if (info?.artifactType !== undefined) entry.artifactType = info.artifactType;
  if (info?.annotations !== undefined) entry.annotations = info.annotations;
  return entry;
}

function systemNow(options: TagSchemaOptions): number {
  return (options.clock ?? systemClock).now();
}

function deleteUnsupported(location: string, digest: string) {
  return unsupportedError(
    'DELETE_UNSUPPORTED',
    `the registry refuses to delete ${location}@${digest}`,
    'Deletion is disabled on this registry (distribution: storage.delete.enabled).',
  );
}
