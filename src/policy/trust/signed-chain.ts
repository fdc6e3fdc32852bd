/**
 * "The latest verified version" of one type of one subject, chosen by the signed chain only
 * (docs/format.md, "Security" and "Freshness"). Every verified read goes through latestVerified:
 * `get --verify`, `verify`, `history --verify`, `check` (signedBy and the rules that read a signed
 * type), and later the fleet index and the admission webhook.
 *
 * The referrers listing is a hint of where to look. On registries without the referrers API it is an
 * index any pusher can rewrite: drop entries (withhold versions) or edit the `created` /
 * `supersedes` annotations each entry carries. So the order of versions is taken from facts no such
 * edit can change: a verified version's signed facts, else the version manifest fetched by its digest
 * (content-addressed: what the listing says about it does not matter). Below a verified version its
 * chain is authenticated too: its signature names the digest it supersedes, whose manifest names the
 * next, and so on.
 *
 * Cost, for N listed versions of the type: verifying the newest (2 requests), plus one manifest fetch
 * for each other listed version the first time this machine reads it (then the on-disk manifest
 * cache answers: manifests are immutable by digest), plus 3 per newer version that has to be
 * verified (its existence proved by a fetch from the registry, then its signatures). A trusted mark (TrustedStateStore) is compared along the same authenticated chain,
 * fetching unlisted links by digest (a withheld version is still fetchable), at most 64 of them.
 * The mark only moves forward: it is never replaced by a version that is not newer by signed facts,
 * unless a rollback is accepted.
 */
import type { RepositoryReader } from '../../content/repository.ts';
import { isManifestoError } from '../../errors/errors.ts';
import { orderNewestFirst } from '../../metadata/ordering.ts';
import { type MetadataVersion, versionFromDescriptor } from '../../metadata/version.ts';
import { mapLimit } from '../../util/pool.ts';
import { versionDescriptor } from './sign-version.ts';
import type { TrustPolicy, TrustRule } from './trust-policy.ts';
import type { TrustedStateKey, TrustedStateStore, TrustedVersion } from './trusted-state.ts';
import { type VersionVerdict, verifyVersion } from './verify-version.ts';

export type ChainProblemCode =
  | 'NEWER_VERSION_UNVERIFIED'
  | 'CHAIN_MISSING_LINK'
  | 'CHAIN_REORDERED'
  | 'OLDER_VERSION_AS_LATEST'
  | 'ROLLBACK_DETECTED';

export interface ChainProblem {
  code: ChainProblemCode;
  /** The version the problem is about. */
  version: string;
  message: string;
}

export function describeStatus(verdict: VersionVerdict): string {
  switch (verdict.status) {
    case 'verified':
      return `verified (${verdict.signedBy.join(', ')})`;
    case 'unsigned':
      return 'unsigned';
    case 'expired':
      return 'expired';
    case 'invalid':
      return `invalid (${verdict.reason})`;
    default:
      return `untrusted (${verdict.reason})`;
  }
}

export function newerUnverified(verdict: VersionVerdict): ChainProblem {
  return {
    code: 'NEWER_VERSION_UNVERIFIED',
    version: verdict.version.digest,
    message: `possible tampering: newer version ${verdict.version.digest} is ${describeStatus(verdict)}`,
  };
}

/** Facts of a version that no listing edit can change. */
export interface ChainFacts {
  created: string | undefined;
  supersedes: string | undefined;
  /** 'signed': from a verified signature; 'manifest': from the manifest fetched by digest. */
  source: 'signed' | 'manifest';
}

export interface ChainEntry {
  /** The version as listed. */
  version: MetadataVersion;
  facts: ChainFacts;
  /** Set when it was verified (or failed to). */
  verdict: VersionVerdict | undefined;
}

export interface TrustedMarkOptions {
  store: TrustedStateStore;
  key: TrustedStateKey;
  /** Accept a latest older than the mark: the mark is reset to it. */
  acceptRollback?: boolean | undefined;
}

export interface LatestVerifiedOptions {
  repository: RepositoryReader;
  /** The listed versions of one type, in any order: a hint of where to look. */
  versions: readonly MetadataVersion[];
  policy: TrustPolicy;
  rule: TrustRule;
  now?: Date | undefined;
  /** Verify every version (history --verify), not only down to the newest that verifies. */
  verifyAll?: boolean | undefined;
  /** Compare with (and advance) the newest version verified before. */
  trusted?: TrustedMarkOptions | undefined;
}

export interface Rollback {
  remembered: TrustedVersion;
  /** The newest version that verifies now, older than the remembered one. */
  offered: VersionVerdict;
  reason: string;
}

export interface LatestVerified {
  /** The newest version that verifies, by signed facts. */
  latest: VersionVerdict | undefined;
  /** The listed versions that exist, newest first by signed (or digest-pinned) facts. */
  entries: ChainEntry[];
  /** The versions checked, newest first, down to the latest (every one with verifyAll). */
  verdicts: VersionVerdict[];
  /** Newer versions that do not verify; a chain link missing below the latest. */
  problems: ChainProblem[];
  /** Warnings: listing entries that contradict their manifests, listed versions that are gone. */
  notes: string[];
  /** Set when the latest is older than the trusted mark (the mark is then left alone, unless accepted). */
  rollback: Rollback | undefined;
}

/** Links of a chain fetched by digest beyond the listed versions (withheld or pruned ones). */
const MAX_UNLISTED_LINKS = 64;
const PIN_CONCURRENCY = 8;

/**
 * The version manifest read by digest, or undefined when it is gone. `cached`: a copy cached on this
 * machine will do (its ordering facts are the same; it does not prove the version still exists).
 */
async function pinned(
  repository: RepositoryReader,
  digest: string,
  cached = false,
): Promise<MetadataVersion | undefined> {
  try {
    const fetched = await repository.fetchManifest(digest, { cached });
    return versionFromDescriptor(await versionDescriptor(repository, digest, fetched));
  } catch (error) {
    if (isManifestoError(error) && error.category === 'not-found') return undefined;
    throw error;
  }
}

function signedFacts(verdict: VersionVerdict): ChainFacts {
  return { created: verdict.signed?.created, supersedes: verdict.signed?.supersedes, source: 'signed' };
}

/**
 * The listed version with its ordering facts (created, supersedes) replaced by the signed or
 * digest-pinned ones: what callers that order or age versions themselves (the gate) must use.
 */
export function signedVersion(entry: ChainEntry): MetadataVersion {
  const { created, supersedes } = entry.facts;
  return {
    ...entry.version,
    created: created === undefined ? Number.NaN : Date.parse(created),
    createdText: created,
    supersedes,
  };
}

function sortEntries(entries: readonly ChainEntry[]): ChainEntry[] {
  const byDigest = new Map(entries.map((e) => [e.version.digest, e]));
  return orderNewestFirst(entries.map(signedVersion)).map((v) => byDigest.get(v.digest)!);
}

function mismatch(entry: ChainEntry): string | undefined {
  const listed = entry.version;
  const fields: string[] = [];
  if (listed.createdText !== undefined && listed.createdText !== entry.facts.created) fields.push('created');
  if (listed.supersedes !== entry.facts.supersedes) fields.push('supersedes');
  if (fields.length === 0) return undefined;
  return `the listing's ${fields.join(' and ')} of ${listed.digest} contradict${fields.length === 1 ? 's' : ''} what was signed: the referrers listing was edited; the signed facts are used`;
}

/** Chooses the latest verified version by the signed chain, and checks it against the trusted mark. */
export async function latestVerified(options: LatestVerifiedOptions): Promise<LatestVerified> {
  const { repository, policy, rule } = options;
  const now = options.now ?? new Date();
  const verify = (version: MetadataVersion) => verifyVersion({ repository, version, policy, rule, now });
  const verdicts = new Map<string, VersionVerdict>();
  const hint = orderNewestFirst(options.versions);
  if (options.verifyAll === true) {
    for (const v of await mapLimit(hint, 4, verify)) verdicts.set(v.version.digest, v);
  } else {
    // The listing's newest that verifies first: in an honest listing it is the latest.
    for (const version of hint) {
      const verdict = await verify(version);
      verdicts.set(version.digest, verdict);
      if (verdict.status === 'verified') break;
    }
  }
  const notes: string[] = [];
  const present = await mapLimit(hint, PIN_CONCURRENCY, async (version): Promise<ChainEntry | undefined> => {
    const verdict = verdicts.get(version.digest);
    if (verdict?.status === 'verified') return { version, facts: signedFacts(verdict), verdict };
    const manifest = await pinned(repository, version.digest, true);
    if (manifest === undefined) {
      notes.push(`version ${version.digest} is listed but gone (deleted); skipped`);
      return undefined;
    }
    if (version.manifesto && manifest.type !== version.type) {
      notes.push(
        `the listing names ${version.digest} a "${version.type}" version, but its manifest says "${manifest.type}": skipped`,
      );
      return undefined;
    }
    const facts: ChainFacts = {
      created: manifest.createdText,
      supersedes: manifest.supersedes,
      source: 'manifest',
    };
    return { version, facts, verdict };
  });
  let entries = sortEntries(present.filter((e): e is ChainEntry => e !== undefined));
  for (const entry of entries) {
    const note = mismatch(entry);
    if (note !== undefined) notes.push(note);
  }
  // Walk the authentic order newest first until a version verifies.
  const problems: ChainProblem[] = [];
  let latest: VersionVerdict | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.verdict === undefined && (await pinned(repository, entry.version.digest)) === undefined) {
      // Ordered from a cached copy, but deleted since: not a candidate.
      notes.push(`version ${entry.version.digest} is listed but gone (deleted); skipped`);
      entries = entries.filter((e) => e !== entry);
      i--;
      continue;
    }
    entry.verdict ??= await verify(entry.version);
    if (entry.verdict.status !== 'verified') {
      problems.push(newerUnverified(entry.verdict));
      continue;
    }
    const facts = signedFacts(entry.verdict);
    if (facts.created !== entry.facts.created || facts.supersedes !== entry.facts.supersedes) {
      // Signed facts differ from the manifest's: order again with what was signed.
      entry.facts = facts;
      entries = sortEntries(entries);
      problems.length = 0;
      i = -1;
      continue;
    }
    latest = entry.verdict;
    break;
  }
  if (latest !== undefined) {
    const digests = new Set(entries.map((e) => e.version.digest));
    const link = latest.signed?.supersedes;
    const below = entries.length - 1 - entries.findIndex((e) => e.verdict === latest);
    if (link !== undefined && below > 0 && !digests.has(link)) {
      problems.push({
        code: 'CHAIN_MISSING_LINK',
        version: latest.version.digest,
        message: `version ${latest.version.digest} supersedes ${link}, which is missing (deleted?)`,
      });
    }
  }
  const checked = entries.flatMap((e) => (e.verdict === undefined ? [] : [e.verdict]));
  for (const verdict of checked) notes.push(...(verdict.notes ?? []));
  const result: LatestVerified = {
    latest,
    entries,
    verdicts:
      options.verifyAll === true ? checked : checked.slice(0, checked.indexOf(latest!) + 1 || undefined),
    problems,
    notes,
    rollback: undefined,
  };
  if (options.trusted !== undefined && latest !== undefined) {
    result.rollback = await checkMark({
      latest,
      known: new Map(entries.map((e) => [e.version.digest, e.facts.supersedes])),
      link: async (digest) => (await pinned(repository, digest))?.supersedes,
      trusted: options.trusted,
      now,
    });
  }
  return result;
}

/** The supersedes link of a version that is not listed (its manifest fetched by digest). */
export type LinkReader = (digest: string) => Promise<string | undefined>;

/** Follows authenticated supersedes links from `start`: listed facts first, else `link`. */
async function chainReaches(
  known: ReadonlyMap<string, string | undefined>,
  link: LinkReader,
  start: string | undefined,
  until: string,
): Promise<boolean> {
  const seen = new Set<string>();
  let unlisted = 0;
  let next = start;
  while (next !== undefined && !seen.has(next)) {
    if (next === until) return true;
    seen.add(next);
    if (known.has(next)) {
      next = known.get(next);
      continue;
    }
    if (++unlisted > MAX_UNLISTED_LINKS) return false;
    next = await link(next);
  }
  return false;
}

function describe(digest: string, created: string | undefined): string {
  return created === undefined ? digest : `${digest} (created ${created})`;
}

export interface MarkCheckOptions {
  /** The newest version that verifies now. */
  latest: VersionVerdict;
  /** The supersedes link of each listed version, by signed or digest-pinned facts. */
  known: ReadonlyMap<string, string | undefined>;
  /** Reads the link of a version that is not listed (withheld, pruned). */
  link: LinkReader;
  trusted: TrustedMarkOptions;
  now: Date;
}

/**
 * Decides whether `latest` is older than the trusted mark, by the authenticated chain (either one's
 * chain reaching the other), else by signed creation times. Records `latest` when it is not older
 * (or the rollback is accepted); otherwise leaves the mark alone and returns the rollback.
 */
export async function checkMark(options: MarkCheckOptions): Promise<Rollback | undefined> {
  const { latest, known, link, trusted } = options;
  const remembered = await trusted.store.read(trusted.key);
  const offered = latest.version.digest;
  const mark: TrustedVersion = {
    digest: offered,
    created: latest.signed?.created,
    recorded: options.now.toISOString(),
  };
  if (remembered === undefined) {
    await trusted.store.record(trusted.key, mark, { basis: remembered });
    return undefined;
  }
  if (remembered.digest === offered) return undefined;
  let reason: string | undefined;
  if (await chainReaches(known, link, remembered.digest, offered)) {
    reason = `${remembered.digest} supersedes it`;
  } else if (!(await chainReaches(known, link, latest.signed?.supersedes, remembered.digest))) {
    const newer = Date.parse(latest.signed?.created ?? '') > Date.parse(remembered.created ?? '');
    if (!newer)
      reason = known.has(remembered.digest)
        ? `${remembered.digest} is newer and still listed`
        : `${remembered.digest} is missing from the listing`;
  }
  if (reason === undefined || trusted.acceptRollback === true) {
    await trusted.store.record(trusted.key, mark, { basis: remembered, allowOlder: reason !== undefined });
    return undefined;
  }
  return { remembered, offered: latest, reason };
}

/** The one-line description of a rollback, for errors and warnings. */
export function rollbackMessage(what: string, rollback: Rollback): string {
  const { remembered, offered } = rollback;
  return `${what}: rollback detected: the trusted state records ${describe(remembered.digest, remembered.created)}, but the newest version offered now is the older ${describe(offered.version.digest, offered.signed?.created)} (${rollback.reason})`;
}
