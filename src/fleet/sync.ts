/**
 * `index sync`: reads repositories into the index through the same Repository interface and
 * listing code every command uses (the front end opens the repositories; this module never imports
 * a backend). Per repository:
 *
 * 1. every tag, in pages of 1000 (`n`/`last`, the Link header followed by the backend); the referrers
 *    tag schema's `sha256-<hex>` tags (and cosign's `sha256-<hex>.sig/.att/.sbom`) are not images;
 * 2. each tag resolved to its manifest (one HEAD); an index is read (from the manifest cache after the
 *    first sync) and each platform child becomes a row, inheriting the index's tags and metadata; a
 *    manifest outside an index is a row with the platform of its config (read when new or changed);
 * 3. each subject's referrers listing is read (one request each); its version digests, with the
 *    parent index's, make the image's listing key. An image whose digest and key are unchanged since
 *    the last sync is only marked fresh: no version manifest, content or signature is read again;
 * 4. changed images: the latest version of each well-known kind is fetched and normalised (the
 *    content of an index-level version once for all its platforms), approvals and deployments merged
 *    over their versions (src/kinds/records.ts), and whether each latest version has a signature
 *    stored (one referrers request per version, once);
 * 5. the repository's rows are replaced in one transaction: an interruption before it leaves the
 *    previous state, and the next sync completes it. Images no longer tagged disappear.
 *
 * Requests of a second sync of an unchanged repository: the tag pages, one HEAD per tag, one
 * referrers listing per image and per index (manifests of indexes come from the on-disk cache).
 */
import { createHash } from 'node:crypto';
import type { RepositoryReader } from '../content/repository.ts';
import { isManifestoError } from '../errors/errors.ts';
import { KindInvalidError } from '../kinds/kind.ts';
import { applyVex } from '../kinds/vex/apply.ts';
import type { VexDocument } from '../kinds/vex/types.ts';
import type { VulnReport } from '../kinds/vuln/types.ts';
import { kindFor } from '../kinds/well-known.ts';
import { readListing, type SubjectListing, versionsOfType } from '../metadata/listing.ts';
import { versionContent } from '../metadata/platform-get.ts';
import { readRecords } from '../metadata/records.ts';
import { imagePlatform, platformChildren } from '../metadata/target.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import type { Descriptor, ImageIndex } from '../oci/descriptor.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import { formatPlatform } from '../oci/platform.ts';
import { NOTARY_SIGNATURE_ARTIFACT_TYPE } from '../signing/notary/constants.ts';
import { mapLimit } from '../util/pool.ts';
import { factsOf, type KindContents, LATEST_KINDS, MERGED_KINDS } from './facts.ts';
import type { IndexedImage, IndexedVersion, IndexStore, RepositoryTarget, SignatureStatus } from './store.ts';
import { type IndexTrust, type VersionTrust, verifyForIndex } from './trust.ts';

const TAG_PAGE = 1000;
const CONTENT_LIMIT = 64 * 1024 * 1024;
const REFERRERS_TAG = /^sha256-[0-9a-f]{64}(\.[a-z]+)?$/;

export interface SyncTarget extends RepositoryTarget {
  /** Read only: a sync writes nothing to the registry. */
  repository: RepositoryReader;
}

export interface SyncRepositoryOptions {
  store: IndexStore;
  target: SyncTarget;
  /** Requests in flight at once within the repository (default 8). */
  concurrency?: number | undefined;
  now?: (() => Date) | undefined;
  /** Tags per tag-list request (default 1000). */
  tagPageSize?: number | undefined;
  /** Told as images are read: done of total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Verify each type's latest version under this trust policy (trust.ts); absent: not checked. */
  trust?: IndexTrust | undefined;
}

export interface RepositorySyncResult {
  location: string;
  tagPages: number;
  tags: number;
  images: number;
  changed: number;
  unchanged: number;
  /** Versions or contents left out (not normalisable, deleted meanwhile), with why. */
  problems: string[];
}

/** A tag of the referrers tag schema or cosign's legacy tags: never an image. */
export function isReferrersTag(tag: string): boolean {
  return REFERRERS_TAG.test(tag);
}

async function allTags(
  repository: RepositoryReader,
  pageSize: number,
): Promise<{ tags: string[]; pages: number }> {
  const tags: string[] = [];
  let last: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await repository.listTags({ last, limit: pageSize });
    pages++;
    tags.push(...page.tags);
    if (page.next === undefined || page.tags.length === 0) return { tags, pages };
    last = page.next;
  }
}

/** One row to be: a platform child of an index, or a manifest on its own. */
interface Candidate {
  descriptor: Descriptor;
  platform: string;
  parent: Descriptor | undefined;
  tags: Set<string>;
}

/** The listings' version digests, and the trust policy's identity when verifying (a new policy re-reads). */
function listingKey(
  own: SubjectListing,
  parent: SubjectListing | undefined,
  trust: string | undefined,
): string {
  const digests = (listing: SubjectListing | undefined) =>
    (listing?.versions ?? []).map((v) => v.digest).sort();
  const parts: unknown[] = [digests(own), digests(parent)];
  if (trust !== undefined) parts.push(trust);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function isSignatureReferrer(descriptor: Descriptor): boolean {
  const type = descriptor.artifactType ?? '';
  return type === NOTARY_SIGNATURE_ARTIFACT_TYPE || type.startsWith('application/vnd.dev.sigstore.bundle');
}

/** Caches shared by every image of one repository's sync (index-level metadata is read once). */
interface SyncCaches {
  contents: Map<string, Promise<unknown>>;
  records: Map<string, Promise<unknown>>;
  signatures: Map<string, Promise<SignatureStatus>>;
  verdicts: Map<string, Promise<VersionTrust>>;
}

interface Selected {
  version: MetadataVersion;
  versions: MetadataVersion[];
  listing: SubjectListing;
}

/** The version `get --platform` reads: own manifesto's, the index's, own foreign, the index's foreign. */
function latestOf(
  type: string,
  own: SubjectListing,
  parent: SubjectListing | undefined,
): Selected | undefined {
  const mine = versionsOfType(own, type);
  const inherited = parent === undefined ? [] : versionsOfType(parent, type);
  const pick = (list: MetadataVersion[], listing: SubjectListing | undefined) =>
    list[0] === undefined || listing === undefined
      ? undefined
      : { version: list[0], versions: list, listing };
  if (mine[0]?.foreign === undefined && mine[0] !== undefined) return pick(mine, own);
  if (inherited[0] !== undefined && inherited[0].foreign === undefined) return pick(inherited, parent);
  return pick(mine, own) ?? pick(inherited, parent);
}

class RepositorySync {
  readonly #repository: RepositoryReader;
  readonly #caches: SyncCaches = {
    contents: new Map(),
    records: new Map(),
    signatures: new Map(),
    verdicts: new Map(),
  };
  readonly #location: string;
  readonly #trust: IndexTrust | undefined;
  readonly problems: string[] = [];

  constructor(repository: RepositoryReader, location: string, trust: IndexTrust | undefined) {
    this.#repository = repository;
    this.#location = location;
    this.#trust = trust;
  }

  /** The version's status under the trust policy (once per version); undefined without one. */
  verdict(version: MetadataVersion): Promise<VersionTrust> | undefined {
    const trust = this.#trust;
    if (trust === undefined) return undefined;
    let verdict = this.#caches.verdicts.get(version.digest);
    if (verdict === undefined) {
      verdict = verifyForIndex(trust, this.#repository, this.#location, version, (m) =>
        this.problems.push(m),
      );
      this.#caches.verdicts.set(version.digest, verdict);
    }
    return verdict;
  }

  signature(version: MetadataVersion): Promise<SignatureStatus> {
    let status = this.#caches.signatures.get(version.digest);
    if (status === undefined) {
      status = this.#repository
        .referrers(version.digest)
        .then((result) => (result.manifests.some(isSignatureReferrer) ? 'signed' : 'unsigned'));
      this.#caches.signatures.set(version.digest, status);
    }
    return status;
  }

  /** The normalised content of a version, or undefined (with a problem noted) when it cannot be read. */
  content(kindName: string, selected: Selected): Promise<unknown> {
    const key = selected.version.digest;
    let content = this.#caches.contents.get(key);
    if (content === undefined) {
      content = this.#readContent(kindName, selected);
      this.#caches.contents.set(key, content);
    }
    return content;
  }

  async #readContent(kindName: string, selected: Selected): Promise<unknown> {
    const kind = kindFor(kindName)!;
    try {
      const read = await versionContent(
        this.#repository,
        { subject: selected.listing.subject, ...selected },
        false,
      );
      const bytes = read.document ?? (await this.#repository.fetchBlobBytes(read.content, CONTENT_LIMIT));
      return kind.normalise(bytes, read.content.mediaType);
    } catch (error) {
      if (!(error instanceof KindInvalidError) && !isManifestoError(error)) throw error;
      if (isManifestoError(error) && error.category === 'unavailable') throw error;
      this.problems.push(`${selected.version.digest} (${kindName}): ${error.message}`);
      return undefined;
    }
  }

  records(kindName: string, listing: SubjectListing): Promise<unknown> {
    const key = `${kindName} ${listing.subject.digest}`;
    let merged = this.#caches.records.get(key);
    if (merged === undefined) {
      merged = readRecords({ repository: this.#repository, listing, kind: kindFor(kindName)! }).then(
        (read) => {
          for (const ignored of read.ignored)
            this.problems.push(`${ignored.version} (${kindName}): ${ignored.problem}`);
          return read.merged;
        },
      );
      this.#caches.records.set(key, merged);
    }
    return merged;
  }

  /** A manifest outside an index: the platform its config records ('' for artifacts). */
  async #platformOf(candidate: Candidate): Promise<string> {
    if (candidate.parent !== undefined || isIndexMediaType(candidate.descriptor.mediaType))
      return candidate.platform;
    try {
      const manifest = await this.#repository.fetchManifest(candidate.descriptor.digest, { cached: true });
      const platform = await imagePlatform(this.#repository, manifest.bytes);
      return platform === undefined ? '' : formatPlatform(platform);
    } catch (error) {
      if (!isManifestoError(error) || error.category === 'unavailable') throw error;
      this.problems.push(`${candidate.descriptor.digest}: platform not read: ${error.message}`);
      return '';
    }
  }

  async image(
    candidate: Candidate,
    own: SubjectListing,
    parent: SubjectListing | undefined,
  ): Promise<Omit<IndexedImage, 'listingKey'>> {
    const types = new Set([...own.versions, ...(parent?.versions ?? [])].map((v) => v.type));
    const latest = new Map<string, Selected>();
    for (const type of types) {
      const selected = latestOf(type, own, parent);
      if (selected !== undefined) latest.set(type, selected);
    }
    const latestDigests = new Set([...latest.values()].map((s) => s.version.digest));
    const signatures = new Map<string, SignatureStatus>();
    const verdicts = new Map<string, VersionTrust>();
    await Promise.all(
      [...latest.values()].map(async (s) => {
        const verdict = this.verdict(s.version);
        signatures.set(s.version.digest, await this.signature(s.version));
        if (verdict !== undefined) verdicts.set(s.version.digest, await verdict);
      }),
    );
    const row = (v: MetadataVersion, inherited: boolean): IndexedVersion => ({
      type: v.type,
      digest: v.digest,
      created: v.createdText ?? '',
      author: v.author ?? '',
      signature: signatures.get(v.digest) ?? 'unknown',
      latest: latestDigests.has(v.digest),
      inherited,
      ...verdicts.get(v.digest),
    });
    const versions = [
      ...own.versions.map((v) => row(v, false)),
      ...(parent?.versions ?? []).map((v) => row(v, true)),
    ];
    const contents: KindContents = {};
    for (const kindName of LATEST_KINDS) {
      const selected = latest.get(kindName);
      if (selected === undefined) continue;
      const normalised = await this.content(kindName, selected);
      if (normalised === undefined) continue;
      if (kindName === 'vuln') {
        const report = normalised as VulnReport;
        const vexVersion = latest.get('vex');
        const vex = vexVersion === undefined ? undefined : await this.content('vex', vexVersion);
        const suppressed =
          vex === undefined
            ? []
            : applyVex(report.findings, [vex as VexDocument], { imageDigest: candidate.descriptor.digest })
                .suppressed;
        contents.vuln = { report, created: selected.version.createdText ?? '', suppressed };
      } else contents[kindName] = normalised as never;
    }
    for (const kindName of MERGED_KINDS) {
      const names = new Set([kindName, ...(kindFor(kindName)?.aliases ?? [])]);
      const has = (listing: SubjectListing | undefined) =>
        listing?.versions.some((v) => names.has(v.type)) === true;
      const listing = has(own) ? own : has(parent) ? parent : undefined;
      if (listing === undefined) continue;
      contents[kindName] = (await this.records(kindName, listing)) as never;
    }
    return {
      digest: candidate.descriptor.digest,
      mediaType: candidate.descriptor.mediaType,
      platform: await this.#platformOf(candidate),
      parentIndex: candidate.parent?.digest ?? '',
      tags: [...candidate.tags].sort(),
      versions,
      facts: factsOf(contents),
    };
  }
}

async function readIndex(repository: RepositoryReader, descriptor: Descriptor): Promise<ImageIndex> {
  const fetched = await repository.fetchManifest(descriptor.digest, { cached: true });
  return JSON.parse(new TextDecoder().decode(fetched.bytes)) as ImageIndex;
}

/** Syncs one repository into the index (see the file comment). */
export async function syncRepository(options: SyncRepositoryOptions): Promise<RepositorySyncResult> {
  const { store, target } = options;
  const { repository } = target;
  const limit = options.concurrency ?? 8;
  const now = options.now ?? (() => new Date());
  const { tags: allTagNames, pages } = await allTags(repository, options.tagPageSize ?? TAG_PAGE);
  const tags = allTagNames.filter((tag) => !isReferrersTag(tag));
  const resolved = await mapLimit(tags, limit, async (tag) => {
    try {
      return { tag, descriptor: await repository.resolve(tag) };
    } catch (error) {
      // Deleted between the tag list and now: not an image any more.
      if (isManifestoError(error) && error.category === 'not-found') return undefined;
      throw error;
    }
  });

  const tops = new Map<string, { descriptor: Descriptor; tags: Set<string> }>();
  for (const entry of resolved) {
    if (entry === undefined) continue;
    const { tag, descriptor } = entry;
    const top = tops.get(descriptor.digest) ?? { descriptor, tags: new Set<string>() };
    top.tags.add(tag);
    tops.set(descriptor.digest, top);
  }
  const candidates = new Map<string, Candidate>();
  const indexes = new Map<string, Descriptor>();
  const expanded = await mapLimit([...tops.values()], limit, async (top) => {
    if (!isIndexMediaType(top.descriptor.mediaType)) return [{ ...top, platform: '', parent: undefined }];
    const children = platformChildren(await readIndex(repository, top.descriptor));
    if (children.length === 0) return [{ ...top, platform: '', parent: undefined }];
    indexes.set(top.descriptor.digest, top.descriptor);
    return children.map((child) => ({
      descriptor: child.descriptor,
      platform: formatPlatform(child.platform),
      parent: top.descriptor,
      tags: new Set(top.tags),
    }));
  });
  for (const candidate of expanded.flat()) {
    const seen = candidates.get(candidate.descriptor.digest);
    if (seen === undefined) candidates.set(candidate.descriptor.digest, candidate);
    else {
      // A manifest tagged itself and also a platform of an index: one row, its parent kept.
      for (const tag of candidate.tags) seen.tags.add(tag);
      if (seen.parent === undefined && candidate.parent !== undefined) {
        seen.parent = candidate.parent;
        seen.platform = candidate.platform;
      }
    }
  }

  const subjects = [...indexes.values(), ...[...candidates.values()].map((c) => c.descriptor)];
  const listings = new Map<string, SubjectListing>();
  await mapLimit(subjects, limit, async (subject) => {
    listings.set(subject.digest, await readListing(repository, subject));
  });

  const stored = store.listingKeys(target.location);
  const sync = new RepositorySync(repository, target.location, options.trust);
  const changed: IndexedImage[] = [];
  const unchanged: Array<{ digest: string; tags: string[] }> = [];
  const all = [...candidates.values()];
  let done = 0;
  await mapLimit(all, limit, async (candidate) => {
    const own = listings.get(candidate.descriptor.digest)!;
    const parent = candidate.parent === undefined ? undefined : listings.get(candidate.parent.digest);
    const key = listingKey(own, parent, options.trust?.identity);
    if (stored.get(candidate.descriptor.digest) === key) {
      unchanged.push({ digest: candidate.descriptor.digest, tags: [...candidate.tags].sort() });
    } else {
      changed.push({ ...(await sync.image(candidate, own, parent)), listingKey: key });
    }
    options.onProgress?.(++done, all.length);
  });
  store.writeRepository({
    registry: target.registry,
    name: target.name,
    location: target.location,
    syncedAt: now().toISOString(),
    changed,
    unchanged,
  });
  return {
    location: target.location,
    tagPages: pages,
    tags: tags.length,
    images: all.length,
    changed: changed.length,
    unchanged: unchanged.length,
    problems: sync.problems,
  };
}
