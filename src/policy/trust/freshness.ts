/**
 * Verification on read, and the freshness of the verified chain (docs/format.md, "Freshness").
 *
 * Every signed version names, in its signed annotations, the version it superseded. `get --verify`
 * accepts the newest version that verifies, ordered by signed facts (src/policy/signed-chain.ts);
 * newer versions that do not verify are reported (possible tampering). `history --verify` verifies
 * every version and checks that the verified versions form one chain: each verified version
 * supersedes the next older verified one (else: a missing link when the superseded digest is absent,
 * a re-ordered or replayed version when it is present but not the next).
 */
import type { RepositoryReader } from '../../content/repository.ts';
import { ManifestoError } from '../../errors/errors.ts';
import { orderNewestFirst } from '../../metadata/ordering.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import {
  type ChainProblem,
  type LatestVerified,
  latestVerified,
  type TrustedMarkOptions,
} from './signed-chain.ts';
import type { TrustPolicy, TrustRule } from './trust-policy.ts';
import { STATUS_CODES, type VersionVerdict } from './verify-version.ts';

export {
  type ChainProblem,
  type ChainProblemCode,
  describeStatus,
  newerUnverified,
} from './signed-chain.ts';

export interface ReadVerification {
  /** The newest version that verifies, by signed facts. */
  accepted: VersionVerdict | undefined;
  /** Versions checked (newest first by signed facts), up to and including the accepted one. */
  verdicts: VersionVerdict[];
  problems: ChainProblem[];
  /** The whole outcome (notes, rollback, the ordered entries). */
  chain: LatestVerified;
}

export interface VerifyReadOptions {
  repository: RepositoryReader;
  /** Versions of one type as listed (the order is only a hint). */
  versions: readonly MetadataVersion[];
  policy: TrustPolicy;
  rule: TrustRule;
  now?: Date | undefined;
  /** Compare with and advance the trusted state. */
  trusted?: TrustedMarkOptions | undefined;
}

/** The newest version that verifies, by the signed chain (src/policy/signed-chain.ts). */
export async function verifyForRead(options: VerifyReadOptions): Promise<ReadVerification> {
  const chain = await latestVerified(options);
  return { accepted: chain.latest, verdicts: chain.verdicts, problems: chain.problems, chain };
}

export interface HistoryVerification {
  /** Every version, newest first by signed (or digest-pinned) facts. */
  verdicts: VersionVerdict[];
  /** The verified versions, ordered by their signed facts (newest first). */
  chain: VersionVerdict[];
  problems: ChainProblem[];
  /** The whole outcome (notes, rollback). */
  outcome: LatestVerified;
}

/** Verifies every version and checks the verified chain. */
export async function verifyHistory(options: VerifyReadOptions): Promise<HistoryVerification> {
  const outcome = await latestVerified({ ...options, verifyAll: true });
  const verdicts = outcome.entries.map((e) => e.verdict!);
  const problems: ChainProblem[] = [];
  const present = new Set(outcome.entries.map((e) => e.version.digest));
  const order = verdicts.filter((v) => v.status === 'verified');
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
    } else if (order.some((v) => v.version.digest === link)) {
      problems.push({
        code: 'CHAIN_REORDERED',
        version: digest,
        message: `version ${digest} supersedes ${link}, not the next older verified version ${next.version.digest} (re-ordered or replayed)`,
      });
    }
    // A link to a present but unverified version: that version is reported as unverified.
  }
  // Newer versions than the signed chain's latest that do not verify.
  problems.unshift(...outcome.problems.filter((p) => p.code === 'NEWER_VERSION_UNVERIFIED'));
  // The audit also reports a listing whose (unsigned) order contradicts the signed one.
  const listed = orderNewestFirst(options.versions)[0];
  const latest = outcome.latest?.version.digest;
  if (listed !== undefined && latest !== undefined && listed.digest !== latest && problems.length === 0) {
    problems.unshift({
      code: 'OLDER_VERSION_AS_LATEST',
      version: listed.digest,
      message: `the listing presents ${listed.digest} as latest, but the signed chain's latest is ${latest}`,
    });
  }
  return { verdicts, chain: order, problems, outcome };
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
