/**
 * `copy`: an image and everything that refers to it, from one Repository to another (registry with
 * the referrers API, registry with the tag schema, OCI layout: any pair), by digest, so every
 * signature stays valid. `crane copy` and `skopeo copy --all` drop every referrer; `oras cp -r` keeps
 * them but can leave a dangling fallback index when interrupted (oras#952) and races concurrent
 * writers on it. Here:
 *
 * - manifests go children first (an index after its platforms, a referrer after its subject, a
 *   signature after the version it signs), so an interrupted run never leaves a manifest whose parts
 *   are missing, and "present at the destination" means "complete": the next run skips it;
 * - blobs are checked (HEAD) before upload and each is handled once per run; within one registry
 *   they are mounted from the source repository (no bytes sent) where the registry allows;
 * - referrers are pushed through `Repository.pushManifest`, so a tag-schema destination gets
 *   manifesto's confirmed index update (a concurrent writer's entry is never dropped) and a layout
 *   its own listing;
 * - which referrers to copy is decided by comparing the two listings by digest (the source's for
 *   every subject, the destination's only where the source has referrers): a second run reads them
 *   and copies nothing (27 requests for a 3-platform image with 15 referrers where `oras cp -r`
 *   needs 33-36, bench/copy/run.ts); a referrer whose manifest arrived
 *   but whose listing update did not (a run killed in the settle wait) is pushed again, which only
 *   adds the listing entry;
 * - a listing entry that is not a referrer of the subject (an index child some registries report,
 *   a manifest whose subject is another) is left out and reported as ignored;
 * - after copying, each subject's destination listing is read again where something was written
 *   and compared with the selected source referrers: what is missing is reported per subject;
 * - cosign's legacy tags (`sha256-<hex>.sig|.att|.sbom`, not referrers) of the image and its
 *   platforms are looked up by name and copied under the same tag (legacy-tags.ts).
 */
import type { Repository, RepositoryReader, StreamSource } from '../../content/repository.ts';
import { isManifestoError, usageError } from '../../errors/errors.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { isIndexMediaType } from '../../oci/media-types.ts';
import { forEachLimit, mapLimit } from '../../util/pool.ts';
import { resolveTarget } from '../target.ts';
import { versionFromDescriptor } from '../version.ts';
import type {
  CopiedManifest,
  CopyEvent,
  CopyOptions,
  CopyResult,
  LegacyTagCopy,
  ReferrerDifference,
} from './copy-types.ts';
import {
  LEGACY_TAG_SUFFIXES,
  legacyTag,
  legacyTagLayers,
  legacyTagSelected,
  legacyTagsAfter,
  legacyTagTypes,
} from './legacy-tags.ts';
import { manifestParts } from './manifest-parts.ts';
import { selectReferrers } from './referrer-selection.ts';

/** Blobs up to this size are read into memory (one request to upload where the registry allows). */
const SMALL_BLOB_BYTES = 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;
const SUBJECTS_PER_SLOT = 4;

export interface CopyTarget {
  repository: Repository;
  /** Tag to point at the copied image; undefined copies by digest only. */
  tag?: string | undefined;
  /** The digest the destination reference names: refused unless it is the image's. */
  digest?: string | undefined;
}

interface Subject {
  digest: string;
  /** The image or one of its manifests (the selection applies to their referrers). */
  top: boolean;
  /** Known to have no referrers at the destination (it was not there before this run). */
  fresh: boolean;
}

function plain(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

function isNotFound(error: unknown): boolean {
  return isManifestoError(error) && error.category === 'not-found';
}

/** A repository without tags (pushed by digest only; some registries answer 404 NAME_UNKNOWN). */
function noTags(error: unknown): { tags: string[] } {
  if (isNotFound(error)) return { tags: [] };
  throw error;
}

/** The descriptor `reference` names in `repository`, or undefined when it names nothing. */
async function resolveIfPresent(
  repository: RepositoryReader,
  reference: string,
): Promise<Descriptor | undefined> {
  try {
    return await repository.resolve(reference);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function copyImage(
  source: RepositoryReader,
  sourceReference: string,
  target: CopyTarget,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const destination = target.repository;
  const dryRun = options.dryRun === true;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const emit = (event: CopyEvent) => options.onEvent?.(event);
  const copied: CopiedManifest[] = [];
  const blobs = { copied: 0, mounted: 0, present: 0, bytes: 0 };
  const referrers = { source: 0, selected: 0, present: 0 };
  const ignored: string[] = [];
  const differences: ReferrerDifference[] = [];
  const legacyTags: LegacyTagCopy[] = [];
  const blobJobs = new Map<string, Promise<void>>();

  const copyBlob = (d: Descriptor): Promise<void> => {
    let job = blobJobs.get(d.digest);
    if (job === undefined) {
      job = (async () => {
        if ((await destination.statBlob(d.digest)) !== undefined) {
          blobs.present++;
          emit({ kind: 'blob', digest: d.digest, size: d.size, action: 'present' });
          return;
        }
        if (!dryRun && (await destination.mountBlob?.(plain(d), source)) === true) {
          blobs.mounted++;
          emit({ kind: 'blob', digest: d.digest, size: d.size, action: 'copied' });
          return;
        }
        if (!dryRun) {
          const content =
            d.size <= SMALL_BLOB_BYTES
              ? await source.fetchBlobBytes(d, SMALL_BLOB_BYTES)
              : ({ open: () => source.fetchBlob(d) } satisfies StreamSource);
          await destination.pushBlob(plain(d), content, { existenceCheck: false });
        }
        blobs.copied++;
        blobs.bytes += d.size;
        emit({ kind: 'blob', digest: d.digest, size: d.size, action: 'copied' });
      })();
      blobJobs.set(d.digest, job);
    }
    return job;
  };

  const manifestPresent = async (digest: string): Promise<boolean> => {
    try {
      await destination.resolve(digest);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };

  /**
   * Makes the manifest `d` and everything it lists present at the destination, children first.
   * `members` collects the digests of the tree (the subjects whose referrers are copied next).
   */
  const copyTree = async (
    d: Descriptor,
    bytes: Uint8Array | undefined,
    members: Set<string>,
    how: {
      present?: boolean | undefined;
      tag?: string | undefined;
      referrer?: { subject: string; type: string; tag?: string | undefined } | undefined;
    },
  ): Promise<void> => {
    members.add(d.digest);
    const present = how.present ?? (await manifestPresent(d.digest));
    if (present) {
      emit({ kind: 'manifest', digest: d.digest, size: d.size, action: 'present' });
      // Its children are there (children first), but their referrers are still to be compared.
      if (!isIndexMediaType(d.mediaType)) return;
      const own = bytes ?? (await source.fetchManifest(d.digest)).bytes;
      const { children } = manifestParts(own, `${source.location}@${d.digest}`);
      await forEachLimit(children, concurrency, async (child) => {
        if (isIndexMediaType(child.mediaType))
          await copyTree(plain(child), undefined, members, { present: true });
        else members.add(child.digest);
      });
      return;
    }
    const own = bytes ?? (await source.fetchManifest(d.digest)).bytes;
    const parts = manifestParts(own, `${source.location}@${d.digest}`);
    await forEachLimit(parts.children, concurrency, (child) =>
      copyTree(plain(child), undefined, members, {}),
    );
    await forEachLimit(parts.blobs, concurrency, copyBlob);
    if (!dryRun) await destination.pushManifest(own, { mediaType: d.mediaType, tag: how.tag });
    const entry: CopiedManifest = { digest: d.digest, mediaType: d.mediaType, size: d.size };
    if (parts.artifactType !== undefined) entry.artifactType = parts.artifactType;
    if (how.referrer !== undefined) {
      entry.subject = how.referrer.subject;
      entry.type = how.referrer.type;
      if (how.referrer.tag !== undefined) entry.tag = how.referrer.tag;
    }
    copied.push(entry);
    emit({
      kind: how.referrer === undefined ? 'manifest' : 'referrer',
      digest: d.digest,
      size: d.size,
      action: 'copied',
    });
  };

  // ---- the image ----
  // With a platform, the image is the index's child for it (resolveTarget reads the index).
  const fetched =
    options.platform === undefined
      ? await source.fetchManifest(sourceReference)
      : await source.fetchManifest(
          (
            await resolveTarget(source, sourceReference, {
              platform: options.platform,
              image: `${source.location}:${sourceReference}`,
            })
          ).subject.digest,
        );
  const image = plain(fetched.descriptor);
  if (target.digest !== undefined && target.digest !== image.digest) {
    throw usageError(
      'COPY_DIGEST_MISMATCH',
      `the destination names ${target.digest}, but the image copied is ${image.digest}`,
    );
  }
  let tagged = false;
  if (target.tag !== undefined) {
    try {
      tagged = (await destination.resolve(target.tag)).digest === image.digest;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const members = new Set<string>();
  const imagePresent = tagged || (await manifestPresent(image.digest));
  await copyTree(image, fetched.bytes, members, { present: imagePresent, tag: target.tag });
  if (imagePresent && target.tag !== undefined && !tagged) {
    if (!dryRun)
      await destination.pushManifest(fetched.bytes, { mediaType: image.mediaType, tag: target.tag });
    copied.push({ digest: image.digest, mediaType: image.mediaType, size: image.size });
  }

  // ---- referrers, level by level: a referrer's own referrers after it ----
  const visited = new Set<string>(members);
  const copyReferrersOf = async (subject: Subject): Promise<Subject[]> => {
    const listed = await source.referrers(subject.digest);
    const candidates: Descriptor[] = [];
    for (const d of listed.manifests) {
      if (members.has(d.digest) || d.digest === subject.digest) ignored.push(d.digest);
      else candidates.push(d);
    }
    referrers.source += candidates.length;
    const selected = subject.top ? selectReferrers(candidates, subject.digest, options) : candidates;
    // Nothing to copy: the destination's listing is not asked for (most signatures and versions
    // have no referrers, so a no-op run reads about one listing per subject, not two).
    const present =
      subject.fresh || selected.length === 0
        ? { manifests: [] as Descriptor[] }
        : await destination.referrers(subject.digest);
    const atDestination = new Set(present.manifests.map((d) => d.digest));
    const todo = selected.filter((d) => !atDestination.has(d.digest));
    const wanted = new Set(selected.map((d) => d.digest));
    referrers.selected += selected.length;
    referrers.present += selected.length - todo.length;
    for (const d of selected) {
      if (atDestination.has(d.digest))
        emit({ kind: 'referrer', digest: d.digest, size: d.size, action: 'present' });
    }
    // All of a subject's new referrers at once (bounded): a tag-schema destination then merges their
    // listing updates into one index write and one settle wait instead of one per batch.
    await forEachLimit(todo, concurrency * SUBJECTS_PER_SLOT, async (d) => {
      const manifest = await source.fetchManifest(d.digest, { cached: listed.source === 'api' });
      const parts = manifestParts(manifest.bytes, `${source.location}@${d.digest}`);
      if (parts.subject?.digest !== subject.digest) {
        // Listed, but not a referrer of this subject: not copied as one.
        ignored.push(d.digest);
        wanted.delete(d.digest);
        return;
      }
      await copyTree(plain(manifest.descriptor), manifest.bytes, new Set(), {
        present: false,
        referrer: { subject: subject.digest, type: versionFromDescriptor(d, subject.digest).type },
      });
    });
    if (todo.length > 0 && !dryRun) {
      const after = new Set((await destination.referrers(subject.digest)).manifests.map((d) => d.digest));
      const missing = [...wanted].filter((digest) => !after.has(digest));
      if (missing.length > 0) differences.push({ subject: subject.digest, missing });
    }
    const pushed = new Set(todo.map((d) => d.digest));
    const next: Subject[] = [];
    for (const digest of wanted) {
      if (visited.has(digest)) continue;
      visited.add(digest);
      next.push({ digest, top: false, fresh: pushed.has(digest) });
    }
    return next;
  };

  if (options.referrers !== false) {
    let level: Subject[] = [...members].map((digest) => ({ digest, top: true, fresh: false }));
    while (level.length > 0) {
      const next: Subject[] = [];
      // Subjects at a time: more than manifests, since on a tag-schema destination each subject's
      // listing update ends in an idle settle wait (~1 s) that others can overlap.
      await forEachLimit(level, concurrency * SUBJECTS_PER_SLOT, async (s) => {
        next.push(...(await copyReferrersOf(s)));
      });
      level = next;
    }
  }

  if (options.referrers !== false) {
    // cosign's legacy tags of the image and of its platform images (not of buildx attestation
    // manifests, which cosign does not sign): looked up by name, since no listing holds them.
    const subjects = [image.digest];
    if (isIndexMediaType(image.mediaType)) {
      for (const child of manifestParts(fetched.bytes, `${source.location}@${image.digest}`).children) {
        if (child.platform?.os !== 'unknown') subjects.push(child.digest);
      }
    }
    // One tag page per subject (tags.ts sorts and cuts it where a registry ignores n/last), then a
    // GET of each legacy tag it names: 4 requests for a 3-platform image without them, not 12.
    const lookups = (
      await mapLimit(subjects, concurrency * SUBJECTS_PER_SLOT, async (subject) => {
        const after = legacyTagsAfter(subject);
        if (after === undefined) return [];
        const listed = new Set(
          (await source.listTags({ last: after, limit: LEGACY_TAG_SUFFIXES.length }).catch(noTags)).tags,
        );
        return LEGACY_TAG_SUFFIXES.map((suffix) => ({
          subject,
          suffix,
          tag: legacyTag(subject, suffix),
        })).filter((l) => l.tag !== undefined && listed.has(l.tag));
      })
    ).flat();
    await forEachLimit(lookups, concurrency * SUBJECTS_PER_SLOT, async ({ subject, suffix, tag }) => {
      if (tag === undefined) return;
      let fetchedTag: Awaited<ReturnType<RepositoryReader['fetchManifest']>>;
      try {
        fetchedTag = await source.fetchManifest(tag);
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      const found = fetchedTag.descriptor;
      const at = await resolveIfPresent(destination, tag);
      const parts = manifestParts(fetchedTag.bytes, `${source.location}:${tag}`);
      const types = legacyTagTypes(suffix, fetchedTag.bytes, subject);
      const entry: LegacyTagCopy = { tag, subject, digest: found.digest, types, action: 'copied' };
      legacyTags.push(entry);
      if (at?.digest === found.digest) {
        entry.action = 'present';
        emit({ kind: 'referrer', digest: found.digest, size: found.size, action: 'present' });
        return;
      }
      const artifactTypes = [...parts.blobs.map((b) => b.mediaType)];
      if (parts.artifactType !== undefined) artifactTypes.push(parts.artifactType);
      if (!legacyTagSelected(options.types, types, artifactTypes)) {
        entry.action = 'not-selected';
        return;
      }
      if (at !== undefined) {
        // The destination's tag names another manifest: cosign appends a layer per signature, so
        // one signed again at DST holds the source's layers and more (present: a mirror run after a
        // signature at DST stays a no-op). Otherwise it holds other signatures: not overwritten.
        const layers = new Set(legacyTagLayers((await destination.fetchManifest(at.digest)).bytes));
        if (legacyTagLayers(fetchedTag.bytes).every((digest) => layers.has(digest))) {
          entry.action = 'present';
          emit({ kind: 'referrer', digest: found.digest, size: found.size, action: 'present' });
          return;
        }
        entry.action = 'conflict';
        differences.push({ subject, missing: [found.digest] });
        return;
      }
      const descriptor = plain(fetchedTag.descriptor);
      const referrer = { subject, type: types[0] ?? 'cosign-signature', tag };
      if (await manifestPresent(descriptor.digest)) {
        // Stored by digest already (an earlier run cut off before the tag): only the tag is set.
        if (!dryRun)
          await destination.pushManifest(fetchedTag.bytes, { mediaType: descriptor.mediaType, tag });
        copied.push({ ...descriptor, subject, type: referrer.type, tag });
        emit({ kind: 'referrer', digest: descriptor.digest, size: descriptor.size, action: 'copied' });
      } else {
        await copyTree(descriptor, fetchedTag.bytes, new Set(), { present: false, tag, referrer });
      }
      if (dryRun) return;
      // Compared like the referrers: the tag must now name the source's manifest.
      if ((await resolveIfPresent(destination, tag))?.digest !== found.digest)
        differences.push({ subject, missing: [found.digest] });
    });
  }

  return {
    source: source.location,
    destination: destination.location,
    image,
    tag: target.tag,
    dryRun,
    copied,
    blobs,
    referrers,
    legacyTags,
    ignored,
    differences,
  };
}
