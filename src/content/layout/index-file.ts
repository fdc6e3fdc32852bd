/**
 * The `index.json` of an OCI image layout: reading, writing (atomically) and the pure rules manifesto
 * applies to its entries.
 *
 * Rules (see docs in oci-layout-repository.ts for the whole picture):
 * - A tag is an entry whose `org.opencontainers.image.ref.name` annotation names it. Exact ref.names
 *   win; failing that, a ref.name that is a full image reference (`docker.io/library/x:tag`, as
 *   `crane pull --annotate-ref` writes) matches the tag after its last ':' that follows its last '/'.
 * - Every manifest manifesto pushes has an entry: tagged, or untagged (no ref.name) when the digest
 *   has no other entry. Tagging replaces the entries with the same ref.name; a manifest that loses its
 *   last entry that way stays as an untagged entry (so `referrers` still finds it and layout garbage
 *   collectors keep it).
 * - Entries manifesto does not understand (no valid digest) are kept as they are and otherwise ignored.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { integrityError } from '../../errors/errors.ts';
import { ANNOTATION_REF_NAME, type Descriptor } from '../../oci/descriptor.ts';
import { isDigest } from '../../oci/digest.ts';
import { OCI_INDEX } from '../../oci/media-types.ts';
import { isRecord } from '../../util/json-record.ts';
import { trackTemp } from './temp-files.ts';

export const INDEX_FILE = 'index.json';

/** One `manifests` entry of index.json, as stored (unknown fields kept on rewrite). */
export type IndexEntry = Record<string, unknown>;

/** The parsed index.json: the whole object (unknown top-level fields kept) and its entries. */
export interface IndexFile {
  /** Top-level fields other than `manifests`. */
  readonly rest: Record<string, unknown>;
  readonly entries: readonly IndexEntry[];
}

export function emptyIndexFile(): IndexFile {
  return { rest: { schemaVersion: 2, mediaType: OCI_INDEX }, entries: [] };
}

/** The entry's digest, or undefined when the entry has no valid one (such entries are ignored). */
export function entryDigest(entry: IndexEntry): string | undefined {
  const digest = entry.digest;
  return typeof digest === 'string' && isDigest(digest) ? digest : undefined;
}

export function entryMediaType(entry: IndexEntry): string | undefined {
  return typeof entry.mediaType === 'string' ? entry.mediaType : undefined;
}

export function entrySize(entry: IndexEntry): number | undefined {
  const size = entry.size;
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

/** The entry's ref.name annotation, or undefined when it has none (an untagged entry). */
export function entryRefName(entry: IndexEntry): string | undefined {
  const annotations = entry.annotations;
  if (!isRecord(annotations)) return undefined;
  const name = annotations[ANNOTATION_REF_NAME];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * The tag part of a ref.name that is a full image reference: the text after the last ':' that follows
 * the last '/' (`docker.io/library/x:1.0` → `1.0`, `localhost:5000/app:v1` → `v1`). Undefined when the
 * ref.name has no '/', no such ':', or a digest ('@').
 */
export function refNameTagSuffix(refName: string): string | undefined {
  if (refName.includes('@')) return undefined;
  const slash = refName.lastIndexOf('/');
  if (slash < 0) return undefined;
  const colon = refName.lastIndexOf(':');
  if (colon <= slash || colon === refName.length - 1) return undefined;
  return refName.slice(colon + 1);
}

export type TagLookup =
  | { kind: 'found'; entry: IndexEntry; digest: string }
  | { kind: 'missing' }
  | { kind: 'ambiguous'; refNames: string[] };

/**
 * Finds the entry a tag names: the last entry whose ref.name equals the tag; else the entries whose
 * full-reference ref.name ends in `:tag` (ambiguous when they name different digests).
 */
export function lookupTag(index: IndexFile, tag: string): TagLookup {
  let exact: { entry: IndexEntry; digest: string } | undefined;
  const suffixed: { entry: IndexEntry; digest: string; refName: string }[] = [];
  for (const entry of index.entries) {
    const digest = entryDigest(entry);
    const refName = entryRefName(entry);
    if (digest === undefined || refName === undefined) continue;
    if (refName === tag) exact = { entry, digest };
    else if (refNameTagSuffix(refName) === tag) suffixed.push({ entry, digest, refName });
  }
  if (exact) return { kind: 'found', ...exact };
  const first = suffixed[0];
  if (!first) return { kind: 'missing' };
  if (suffixed.every((s) => s.digest === first.digest)) {
    return { kind: 'found', entry: first.entry, digest: first.digest };
  }
  return { kind: 'ambiguous', refNames: suffixed.map((s) => s.refName) };
}

/** The last entry with this digest (preferring none in particular), or undefined. */
export function lookupDigest(index: IndexFile, digest: string): IndexEntry | undefined {
  let found: IndexEntry | undefined;
  for (const entry of index.entries) if (entryDigest(entry) === digest) found = entry;
  return found;
}

/** All ref.names, deduplicated and sorted (code-unit order, which is byte order for valid tags). */
export function refNames(index: IndexFile): string[] {
  const names = new Set<string>();
  for (const entry of index.entries) {
    const name = entryRefName(entry);
    if (name !== undefined && entryDigest(entry) !== undefined) names.add(name);
  }
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function withoutRefName(entry: IndexEntry): IndexEntry {
  const copy: IndexEntry = { ...entry };
  const annotations = entry.annotations;
  if (isRecord(annotations)) {
    const rest: Record<string, unknown> = { ...annotations };
    delete rest[ANNOTATION_REF_NAME];
    if (Object.keys(rest).length === 0) delete copy.annotations;
    else copy.annotations = rest;
  }
  return copy;
}

/** The entry manifesto writes for a manifest: mediaType, digest, size, artifactType, ref.name. */
export function newEntry(descriptor: Descriptor, artifactType: string | undefined, tag?: string): IndexEntry {
  const entry: IndexEntry = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
  };
  if (tag !== undefined) entry.annotations = { [ANNOTATION_REF_NAME]: tag };
  if (artifactType !== undefined) entry.artifactType = artifactType;
  return entry;
}

/**
 * Adds a pushed manifest. Untagged: appends an untagged entry unless the digest already has an entry
 * (then the index is unchanged: returns undefined). Tagged: replaces every entry whose ref.name is the
 * tag and every untagged entry of the digest with one tagged entry; a manifest that so loses its last
 * entry is kept as an untagged entry.
 */
export function addManifest(index: IndexFile, entry: IndexEntry, tag?: string): IndexFile | undefined {
  const digest = entryDigest(entry);
  if (digest === undefined) throw new TypeError('entry without a valid digest');
  if (tag === undefined) {
    if (index.entries.some((e) => entryDigest(e) === digest)) return undefined;
    return { rest: index.rest, entries: [...index.entries, entry] };
  }
  if (alreadyTagged(index, digest, tag)) return undefined;

  const kept: IndexEntry[] = [];
  const displaced: IndexEntry[] = [];
  for (const e of index.entries) {
    const d = entryDigest(e);
    const name = entryRefName(e);
    if (d !== undefined && name === tag) {
      if (d !== digest) displaced.push(e);
    } else if (d === digest && name === undefined) {
      // the tagged entry replaces the untagged one
    } else {
      kept.push(e);
    }
  }
  const present = new Set(kept.map(entryDigest));
  present.add(digest);
  for (const e of displaced) {
    const d = entryDigest(e);
    if (!present.has(d)) {
      kept.push(withoutRefName(e));
      present.add(d);
    }
  }
  kept.push(entry);
  return { rest: index.rest, entries: kept };
}

/** The tag names only this digest already and the digest has no untagged entry: nothing to change. */
function alreadyTagged(index: IndexFile, digest: string, tag: string): boolean {
  let tagged = false;
  for (const e of index.entries) {
    const d = entryDigest(e);
    if (d === undefined) continue;
    const name = entryRefName(e);
    if (name === tag) {
      if (d !== digest) return false;
      tagged = true;
    } else if (d === digest && name === undefined) {
      return false;
    }
  }
  return tagged;
}

/** Removes every entry of the digest (its tags too). Undefined when there was none. */
export function removeManifest(index: IndexFile, digest: string): IndexFile | undefined {
  const entries = index.entries.filter((e) => entryDigest(e) !== digest);
  return entries.length === index.entries.length ? undefined : { rest: index.rest, entries };
}

/** Removes the untagged entries of these digests (tagged entries stay). Undefined when there was none. */
export function removeUntagged(index: IndexFile, digests: ReadonlySet<string>): IndexFile | undefined {
  const entries = index.entries.filter((e) => {
    const digest = entryDigest(e);
    return digest === undefined || entryRefName(e) !== undefined || !digests.has(digest);
  });
  return entries.length === index.entries.length ? undefined : { rest: index.rest, entries };
}

/** Reads index.json; a missing file is an empty index, a malformed one an integrity error. */
export async function readIndexFile(root: string): Promise<IndexFile> {
  const path = join(root, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndexFile();
    throw error;
  }
  return parseIndexFile(text, path);
}

export function parseIndexFile(text: string, path: string): IndexFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw malformedIndex(path, 'it is not valid JSON', error);
  }
  if (!isRecord(parsed)) throw malformedIndex(path, 'it is not a JSON object');
  const { manifests, ...rest } = parsed;
  if (manifests !== undefined && manifests !== null && !Array.isArray(manifests)) {
    throw malformedIndex(path, '"manifests" is not an array');
  }
  const entries = (manifests ?? []) as unknown[];
  if (!entries.every(isRecord)) throw malformedIndex(path, 'an entry of "manifests" is not an object');
  return { rest, entries: entries as IndexEntry[] };
}

function malformedIndex(path: string, why: string, cause?: unknown) {
  return integrityError(
    'LAYOUT_INDEX_INVALID',
    `${path} is not a valid OCI image index: ${why}`,
    'Repair or restore index.json; an OCI image layout needs a valid image index there.',
    cause,
  );
}

export function serializeIndexFile(index: IndexFile): string {
  return JSON.stringify({ schemaVersion: 2, ...index.rest, manifests: index.entries });
}

/**
 * Replaces index.json atomically: writes a temporary file in the layout directory, flushes it to disk
 * and renames it over index.json, so readers see the old or the new index, never a partial one.
 */
export async function writeIndexFile(root: string, index: IndexFile): Promise<void> {
  await writeFileAtomic(join(root, INDEX_FILE), serializeIndexFile(index));
}

export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const { path: temp, release } = trackTemp(path);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    release();
  }
}
