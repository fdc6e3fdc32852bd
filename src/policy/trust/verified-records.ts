/**
 * Record kinds (approval, deployment; src/kinds/records.ts) under the trust policy: every version
 * of the subject is merged, so every version is verified, and only verified ones count (`show
 * --verify`, like a signedBy rule in `check`). An unsigned approval pushed by anyone with write
 * access then passes no gate and shows nowhere.
 *
 * Requests: verifyVersion per version (its referrers listing and its signatures), in parallel.
 */
import type { RepositoryReader } from '../../content/repository.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import type { TrustPolicy, TrustRule } from './trust-policy.ts';
import { verifyVersion } from './verify-version.ts';

export interface VerifiedRecords {
  /** Digests of the versions that verify under the rule. */
  accepted: Set<string>;
  /** The others, with why. */
  rejected: Array<{ version: string; reason: string }>;
}

export async function verifyRecordVersions(options: {
  repository: RepositoryReader;
  versions: readonly MetadataVersion[];
  policy: TrustPolicy;
  rule: TrustRule;
  now?: Date | undefined;
}): Promise<VerifiedRecords> {
  const verdicts = await Promise.all(
    options.versions.map((version) =>
      verifyVersion({
        repository: options.repository,
        version,
        policy: options.policy,
        rule: options.rule,
        now: options.now,
      }),
    ),
  );
  const accepted = new Set<string>();
  const rejected: VerifiedRecords['rejected'] = [];
  for (const verdict of verdicts) {
    if (verdict.status === 'verified') accepted.add(verdict.version.digest);
    else rejected.push({ version: verdict.version.digest, reason: verdict.reason ?? verdict.status });
  }
  return { accepted, rejected };
}
