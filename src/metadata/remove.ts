/** Deletes versions of a piece of metadata (`delete`) and superseded versions (`prune`). */
import type { ReferrersState, Repository } from '../content/repository.ts';
import { isManifestoError, ManifestoError, usageError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { selectVersion } from './get.ts';
import { readListing, summariseTypes, versionsOfType } from './listing.ts';
import type { MetadataVersion } from './version.ts';

export interface DeleteOptions {
  repository: Repository;
  reference: string;
  type: string;
  /** Delete this version; the latest when neither `version` nor `all` is given. */
  version?: string | undefined;
  /** Delete every version of the type. */
  all?: boolean | undefined;
  subject?: Descriptor | undefined;
  image?: string | undefined;
}

export interface RemovalResult {
  subject: Descriptor;
  /** Versions this call deleted. */
  deleted: MetadataVersion[];
  /**
   * Versions that were to be deleted but were gone already (a concurrent delete or prune of the same
   * versions won the race): the requested state is reached all the same.
   */
  alreadyGone: MetadataVersion[];
  /** Versions kept, newest first (prune), or left of the type (delete). */
  kept: MetadataVersion[];
  /** `delete --all-types`: the digests of the deleted versions' own referrers (their signatures). */
  signatures?: string[] | undefined;
}

/**
 * A delete or prune that failed part-way: the cause's code, category and hint, and exactly the
 * versions it deleted before failing (their manifests are gone; they may still be listed until the
 * next write of the listing or a rerun).
 */
export class IncompleteRemovalError extends ManifestoError {
  readonly deleted: readonly MetadataVersion[];

  constructor(cause: ManifestoError, deleted: readonly MetadataVersion[], total: number) {
    super(
      cause.code,
      `${cause.message} (deleted ${deleted.length} of ${total} version(s) before the failure)`,
      {
        category: cause.category,
        hint: cause.hint,
        cause,
        status: cause.status,
        registryErrors: cause.registryErrors,
      },
    );
    this.deleted = deleted;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), deleted: this.deleted.map((v) => v.digest) };
  }
}

/** All victims in one batch: one referrers-listing update, however many versions. */
async function deleteVersions(
  repository: Repository,
  subject: Descriptor,
  victims: MetadataVersion[],
  referrersState: ReferrersState,
): Promise<{ deleted: MetadataVersion[]; alreadyGone: MetadataVersion[] }> {
  if (victims.length === 0) return { deleted: [], alreadyGone: [] };
  const done = new Set<string>();
  let absent: ReadonlySet<string>;
  try {
    const result = await repository.deleteManifests(
      victims.map((v) => v.digest),
      { subject, referrersState, absentOk: true, onDeleted: (digest) => done.add(digest) },
    );
    absent = new Set(result.absent);
  } catch (error) {
    // Nothing deleted: the error as it is (nothing to report beyond it).
    if (!isManifestoError(error) || done.size === 0) throw error;
    throw new IncompleteRemovalError(
      error,
      victims.filter((v) => done.has(v.digest)),
      victims.length,
    );
  }
  return {
    deleted: victims.filter((v) => !absent.has(v.digest)),
    alreadyGone: victims.filter((v) => absent.has(v.digest)),
  };
}

export async function deleteMetadata(options: DeleteOptions): Promise<RemovalResult> {
  if (options.all && options.version !== undefined) {
    throw usageError('FLAGS_CONFLICT', '--all and --version cannot be used together', 'Choose one.');
  }
  const selected = await selectVersion({
    repository: options.repository,
    reference: options.reference,
    type: options.type,
    version: options.version,
    subject: options.subject,
    image: options.image,
  });
  // Other tools' attestations read as this type (cosign's) are theirs: deleted only when named by --version.
  const ours = selected.versions.filter((v) => v.foreign === undefined);
  const latest = options.version === undefined ? ours[0] : selected.version;
  if (latest === undefined) {
    throw usageError(
      'METADATA_FOREIGN',
      `every "${options.type}" version of ${options.image ?? options.reference} was attached by another tool (${selected.version.label})`,
      'Delete it with the tool that attached it, or name it with --version.',
    );
  }
  const victims = options.all ? ours : [latest];
  const removal = await deleteVersions(options.repository, selected.subject, victims, selected.listing.state);
  const gone = new Set(victims.map((v) => v.digest));
  return {
    subject: selected.subject,
    ...removal,
    kept: selected.versions.filter((v) => !gone.has(v.digest)),
  };
}

export interface PruneOptions {
  repository: Repository;
  reference: string;
  /** Only this type; every type written by manifesto when absent. */
  type?: string | undefined;
  /** How many versions of each type to keep (newest first), at least 1. */
  keep: number;
  /** Report what would be deleted without deleting. */
  dryRun?: boolean | undefined;
  subject?: Descriptor | undefined;
}

export async function pruneMetadata(options: PruneOptions): Promise<RemovalResult> {
  if (!Number.isSafeInteger(options.keep) || options.keep < 1) {
    throw usageError('KEEP_INVALID', `--keep must be a whole number of at least 1, not ${options.keep}`);
  }
  const { repository } = options;
  const subject = options.subject ?? (await repository.resolve(options.reference));
  const listing = await readListing(repository, subject);
  const groups =
    options.type === undefined
      ? summariseTypes(listing)
          .filter((g) => g.versions.some((v) => v.manifesto))
          .map((g) => g.versions.filter((v) => v.manifesto))
      : [versionsOfType(listing, options.type).filter((v) => v.foreign === undefined)];
  const victims = groups.flatMap((versions) => versions.slice(options.keep));
  const kept = groups.flatMap((versions) => versions.slice(0, options.keep));
  if (options.dryRun) return { subject, deleted: victims, alreadyGone: [], kept };
  return { subject, ...(await deleteVersions(repository, subject, victims, listing.state)), kept };
}

/**
 * `delete IMAGE --all-types`: every manifesto version of every type of the image, with their
 * signatures (and any other referrer of a version), e.g. before the image itself is deleted, so that
 * nothing is left orphaned. Order: each version's referrers first (one batch per version), then all
 * versions in one batch, so an interruption leaves versions with fewer signatures, never signatures
 * of deleted versions. Other tools' referrers of the image stay (listed in `kept`).
 */
export async function deleteAllTypes(options: {
  repository: Repository;
  reference: string;
  subject?: Descriptor | undefined;
}): Promise<RemovalResult> {
  const { repository } = options;
  const subject = options.subject ?? (await repository.resolve(options.reference));
  const listing = await readListing(repository, subject);
  const victims = listing.versions.filter((v) => v.manifesto);
  const signatures: string[] = [];
  for (const version of victims) {
    const referrers = await repository.referrers(version.digest);
    if (referrers.manifests.length === 0) continue;
    const digests = referrers.manifests.map((d) => d.digest);
    try {
      await repository.deleteManifests(digests, {
        subject: version.descriptor,
        referrersState: referrers.state,
        absentOk: true,
        onDeleted: (digest) => signatures.push(digest),
      });
    } catch (error) {
      if (!isManifestoError(error)) throw error;
      throw new IncompleteRemovalError(error, [], victims.length);
    }
  }
  const removal = await deleteVersions(repository, subject, victims, listing.state);
  return {
    subject,
    ...removal,
    kept: listing.versions.filter((v) => !v.manifesto),
    signatures,
  };
}

/**
 * `delete REPO@DIGEST --orphan`: deletes a referrer whose subject is gone (the image was deleted
 * before its metadata), with its listing entry (the subject's tag-schema index, which goes when it
 * becomes empty). Refuses a manifest without a subject, and one whose subject still exists (delete
 * that through the image: `delete IMAGE TYPE --version DIGEST`). Returns the orphan's subject digest.
 */
export async function deleteOrphan(options: { repository: Repository; digest: string }): Promise<string> {
  const { repository, digest } = options;
  const fetched = await repository.fetchManifest(digest);
  let subject: Descriptor | undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(fetched.bytes)) as { subject?: Descriptor };
    subject = typeof parsed.subject?.digest === 'string' ? parsed.subject : undefined;
  } catch {
    subject = undefined;
  }
  if (subject === undefined) {
    throw usageError(
      'NOT_A_REFERRER',
      `${repository.location}@${digest} has no subject: it is not a referrer`,
    );
  }
  const present = await repository.resolve(subject.digest).then(
    () => true,
    (error: unknown) => {
      if (isManifestoError(error) && error.category === 'not-found') return false;
      throw error;
    },
  );
  if (present) {
    throw usageError(
      'NOT_AN_ORPHAN',
      `the subject ${subject.digest} of ${repository.location}@${digest} exists: it is not an orphan`,
      `Delete it through its image: manifesto delete ${repository.location}@${subject.digest} TYPE --version ${digest}`,
    );
  }
  await repository.deleteManifest(digest, { subject });
  return subject.digest;
}
