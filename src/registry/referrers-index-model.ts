/**
 * The referrers tag-schema index as data: its tag, its entries, the changes writers make to it and how
 * a change merges into an index as read. Pure functions (no I/O, no clock), in the style of oras-go's
 * index helpers, so the update protocol (referrers-index-update.ts) is a sequence of requests around
 * decisions that can each be tested alone.
 *
 * The merge is what makes lost writes detectable at all (docs/format.md, "Why the tag-schema index
 * update is safe"): every write is the index as read plus exactly one change, entries kept in their
 * order, so a writer can always tell from a later read whether its change is still there.
 */
import type { ManifestoError } from '../errors/errors.ts';
import { isManifestoError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { OCI_INDEX } from '../oci/media-types.ts';

/** The fallback tag of a subject digest: `<alg>-<hex>`, alg ≤ 32 and hex ≤ 64 characters. */
export function referrersTag(subjectDigest: string): string {
  const colon = subjectDigest.indexOf(':');
  const algorithm = subjectDigest
    .slice(0, colon)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 32);
  const encoded = subjectDigest
    .slice(colon + 1)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 64);
  return `${algorithm}-${encoded}`;
}

/** The fallback index as read at one moment. */
export interface IndexSnapshot {
  /** Digest of the index; undefined when the tag did not exist. */
  readonly digest: string | undefined;
  readonly etag: string | undefined;
  readonly manifests: readonly Descriptor[];
  /** clock.now() when the read was sent, and when its reply arrived. */
  readonly readStartedAt: number;
  readonly observedAt: number;
  /**
   * Set when the tag holds something other than a referrers index (read for listing, which goes on
   * without metadata from it): the error any write through this snapshot throws.
   */
  readonly notReferrers?: ManifestoError | undefined;
}

/**
 * One change to the index: add one descriptor, or remove a set of digests at once (a batch delete
 * makes one merge, one write and one verification for all of them).
 */
export type ReferrerChange =
  | { kind: 'add'; descriptor: Descriptor }
  | { kind: 'remove'; digests: readonly string[] }
  /** Several changes at once (one process's concurrent changes, coalesced): adds and removes of distinct digests. */
  | { kind: 'batch'; add: readonly Descriptor[]; remove: readonly string[] };

/** What an update of the index ended with. */
export interface UpdateResult {
  /** The change was already in the first snapshot (for a remove: the entry was not listed). */
  alreadyReflected: boolean;
  /** The digests the first snapshot listed (which of several removed digests were listed at all). */
  firstListed: ReadonlySet<string>;
  /** Digest of the confirmed index (undefined: the tag is gone). */
  confirmedDigest: string | undefined;
  writes: number;
}

/** The descriptors a change adds and the digests it removes. */
export function changeParts(change: ReferrerChange): {
  add: readonly Descriptor[];
  remove: readonly string[];
} {
  if (change.kind === 'add') return { add: [change.descriptor], remove: [] };
  if (change.kind === 'remove') return { add: [], remove: change.digests };
  return { add: change.add, remove: change.remove };
}

/** Changes in arrival order as one: the last change of a digest wins (add then remove: removed). */
export function combine(changes: readonly ReferrerChange[]): ReferrerChange {
  const last = new Map<string, Descriptor | 'remove'>();
  for (const change of changes) {
    const { add, remove } = changeParts(change);
    for (const digest of remove) {
      last.delete(digest);
      last.set(digest, 'remove');
    }
    for (const descriptor of add) {
      last.delete(descriptor.digest);
      last.set(descriptor.digest, descriptor);
    }
  }
  const add: Descriptor[] = [];
  const remove: string[] = [];
  for (const [digest, outcome] of last) {
    if (outcome === 'remove') remove.push(digest);
    else add.push(outcome);
  }
  return { kind: 'batch', add, remove };
}

/** Index bytes as written: deterministic JSON of the entries in order. */
export function serializeIndex(manifests: readonly Descriptor[]): Uint8Array {
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: manifests.map(indexEntry) };
  return new TextEncoder().encode(JSON.stringify(index));
}

/** The fields an index entry keeps: mediaType, digest, size, artifactType, annotations. */
export function indexEntry(d: Descriptor): Descriptor {
  const entry: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.artifactType !== undefined) entry.artifactType = d.artifactType;
  if (d.annotations !== undefined && Object.keys(d.annotations).length > 0) entry.annotations = d.annotations;
  return entry;
}

/** Whether the entries show the change: the added digest listed, or none of the removed ones. */
export function reflects(manifests: readonly Descriptor[], change: ReferrerChange): boolean {
  return reflectsListed(new Set(manifests.map((d) => d.digest)), change);
}

/** Whether a set of listed digests shows the change. */
export function reflectsListed(listed: ReadonlySet<string>, change: ReferrerChange): boolean {
  const { add, remove } = changeParts(change);
  return add.every((d) => listed.has(d.digest)) && !remove.some((digest) => listed.has(digest));
}

/** Keeps the existing order; drops every removed digest, appends the added descriptors not listed yet. */
export function mergeChange(manifests: readonly Descriptor[], change: ReferrerChange): Descriptor[] {
  const { add, remove } = changeParts(change);
  const removed = new Set(remove);
  const merged = manifests.filter((d) => !removed.has(d.digest));
  const listed = new Set(merged.map((d) => d.digest));
  for (const d of add) {
    if (listed.has(d.digest)) continue;
    listed.add(d.digest);
    merged.push(indexEntry(d));
  }
  return merged;
}

/**
 * The size in bytes the merged index would have when it must be refused for exceeding `limit`:
 * only changes that add entries are refused (removals are how a full index shrinks again).
 */
export function oversizeIndex(
  current: readonly Descriptor[],
  merged: readonly Descriptor[],
  change: ReferrerChange,
  limit: number,
): number | undefined {
  if (changeParts(change).add.length === 0 || merged.length <= current.length) return undefined;
  const size = serializeIndex(merged).byteLength;
  return size <= limit ? undefined : size;
}

/**
 * Digests a registry reported missing when it rejected an index (MANIFEST_BLOB_UNKNOWN /
 * MANIFEST_UNKNOWN / BLOB_UNKNOWN with the digest in the detail or message): entries naming
 * manifests deleted meanwhile.
 */
export function digestsReportedMissing(error: unknown): Set<string> {
  const out = new Set<string>();
  if (!isManifestoError(error) || (error.status !== 400 && error.status !== 404)) return out;
  for (const e of error.registryErrors) {
    if (e.code !== 'MANIFEST_BLOB_UNKNOWN' && e.code !== 'MANIFEST_UNKNOWN' && e.code !== 'BLOB_UNKNOWN')
      continue;
    const text =
      typeof e.detail === 'string' ? e.detail : `${JSON.stringify(e.detail ?? '')} ${e.message ?? ''}`;
    for (const match of text.matchAll(/sha(?:256:[a-f0-9]{64}|512:[a-f0-9]{128})/g)) out.add(match[0]);
  }
  return out;
}

/** Words for a change in messages: "adding sha256:… to", "removing 3 referrers from". */
export function describeChange(change: ReferrerChange): string {
  if (change.kind === 'add') return `adding ${change.descriptor.digest} to`;
  if (change.kind === 'remove') {
    return change.digests.length === 1
      ? `removing ${change.digests[0]} from`
      : `removing ${change.digests.length} referrers from`;
  }
  return `adding ${change.add.length} and removing ${change.remove.length} referrers in`;
}
