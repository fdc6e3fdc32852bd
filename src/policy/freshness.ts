/**
 * Verification on read, and the freshness of the verified chain (docs/format.md, "Freshness").
 *
 * Every signed version names, in its signed annotations, the version it superseded. `get --verify`
 * walks the versions newest first and accepts the newest that verifies; newer versions that do not
 * verify are reported (possible tampering). `history --verify` verifies every version and checks
 * that the verified versions form one chain: each verified version supersedes the next older
 * verified one (else: a missing link when the superseded digest is absent, a re-ordered or replayed
 * version when it is present but not the next), and that the latest by the listing is the latest by
 * the signed chain (else: an older version presented as latest).
 */
import type { Repository } from '../content/repository.ts';
import { ManifestoError } from '../errors/errors.ts';
import { orderNewestFirst } from '../metadata/ordering.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import type { TrustPolicy, TrustRule } from './trust-policy.ts';
import { STATUS_CODES, type VersionVerdict, verifyVersion } from './verify-version.ts';

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

export interface ReadVerification {
  /** The newest version that verifies. */
  accepted: VersionVerdict | undefined;
  /** Versions checked (newest first), up to and including the accepted one. */
  verdicts: VersionVerdict[];
  problems: ChainProblem[];
}

export interface VerifyReadOptions {
  repository: Repository;
  /** Versions of one type, newest first (as the listing orders them). */
  versions: readonly MetadataVersion[];
  policy: TrustPolicy;
  rule: TrustRule;
  now?: Date | undefined;
}

export function newerUnverified(verdict: VersionVerdict): ChainProblem {
  return {
    code: 'NEWER_VERSION_UNVERIFIED',
    version: verdict.version.digest,
    message: `possible tampering: newer version ${verdict.version.digest} is ${describeStatus(verdict)}`,
  };
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

/** Walks newest first until a version verifies (two requests per version checked). */
export async function verifyForRead(options: VerifyReadOptions): Promise<ReadVerification> {
  const verdicts: VersionVerdict[] = [];
  const problems: ChainProblem[] = [];
  for (const version of options.versions) {
    const verdict = await verifyVersion({ ...options, version });
    verdicts.push(verdict);
    if (verdict.status === 'verified') {
      const older = options.versions.slice(verdicts.length);
      const link = verdict.signed?.supersedes;
      if (link !== undefined && older.length > 0 && !options.versions.some((v) => v.digest === link)) {
        problems.push({
          code: 'CHAIN_MISSING_LINK',
          version: verdict.version.digest,
          message: `version ${verdict.version.digest} supersedes ${link}, which is missing (deleted?)`,
        });
      }
      return { accepted: verdict, verdicts, problems };
    }
    problems.push(newerUnverified(verdict));
  }
  return { accepted: undefined, verdicts, problems };
}

export interface HistoryVerification {
  /** Every version, in the listing's order (newest first). */
  verdicts: VersionVerdict[];
  /** The verified versions, ordered by their signed facts (newest first). */
  chain: VersionVerdict[];
  problems: ChainProblem[];
}

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

/** Verifies every version and checks the verified chain. */
export async function verifyHistory(options: VerifyReadOptions): Promise<HistoryVerification> {
  const verdicts = await mapLimit(options.versions, 4, (version) => verifyVersion({ ...options, version }));
  const problems: ChainProblem[] = [];
  const present = new Set(options.versions.map((v) => v.digest));
  const verified = verdicts.filter((v) => v.status === 'verified');
  // Order the verified versions by what was signed, not by the listing.
  const signedVersions = verified.map((v) => ({
    ...v.version,
    created: v.signed?.created === undefined ? Number.NaN : Date.parse(v.signed.created),
    createdText: v.signed?.created,
    supersedes: v.signed?.supersedes,
  }));
  const order = orderNewestFirst(signedVersions).map(
    (s) => verified.find((v) => v.version.digest === s.digest)!,
  );
  for (const [i, verdict] of order.entries()) {
    const next = order[i + 1];
    const link = verdict.signed?.supersedes;
    const digest = verdict.version.digest;
    // The oldest verified version may supersede an absent one: pruned (prune --keep) or never verified.
    if (next === undefined) break;
    if (link === next.version.digest) continue;
    if (link === undefined) {
      problems.push({
        code: 'CHAIN_REORDERED',
        version: digest,
        message: `version ${digest} claims to be the first, but the older verified version ${next.version.digest} exists (replayed?)`,
      });
    } else if (!present.has(link)) {
      problems.push({
        code: 'CHAIN_MISSING_LINK',
        version: digest,
        message: `version ${digest} supersedes ${link}, which is missing (a deleted version)`,
      });
    } else if (verified.some((v) => v.version.digest === link)) {
      problems.push({
        code: 'CHAIN_REORDERED',
        version: digest,
        message: `version ${digest} supersedes ${link}, not the next older verified version ${next.version.digest} (re-ordered or replayed)`,
      });
    }
    // A link to a present but unverified version: that version is reported as unverified.
  }
  const listingLatest = verdicts[0];
  if (listingLatest !== undefined && listingLatest.status !== 'verified') {
    problems.unshift(newerUnverified(listingLatest));
  } else if (listingLatest !== undefined && order[0] !== undefined && order[0] !== listingLatest) {
    problems.unshift({
      code: 'OLDER_VERSION_AS_LATEST',
      version: listingLatest.version.digest,
      message: `the listing presents ${listingLatest.version.digest} as latest, but the signed chain's latest is ${order[0].version.digest}`,
    });
  }
  return { verdicts, chain: order, problems };
}

/** The error for a version that does not verify, or a chain problem, under an enforcing rule. */
export function verificationError(
  what: string,
  verdict: VersionVerdict | undefined,
  problem: ChainProblem | undefined,
  accepted: VersionVerdict | undefined,
): ManifestoError {
  const hint =
    accepted === undefined
      ? 'Nothing of this type verifies under the trust policy; sign it (manifesto sign) or check the policy.'
      : `The newest version that verifies is ${accepted.version.digest}; if the newer one is legitimate, sign it with "manifesto sign", else investigate.`;
  const failed = verdict !== undefined && verdict.status !== 'verified' ? verdict : undefined;
  const code =
    failed === undefined
      ? (problem?.code ?? 'SIGNATURE_INVALID')
      : STATUS_CODES[failed.status as Exclude<typeof failed.status, 'verified'>];
  const message =
    problem !== undefined
      ? problem.message
      : `version ${verdict?.version.digest ?? '?'} does not verify: ${verdict?.reason ?? 'no signature'}`;
  return new ManifestoError(code, `${what}: ${message}`, { category: 'verification', hint });
}
