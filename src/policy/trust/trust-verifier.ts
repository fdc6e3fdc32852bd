/**
 * The gate's SignatureVerifier (verifier.ts) backed by the trust policy: a version's authorities are
 * every authority of the policy whose valid, unexpired signature covers the version manifest
 * (two requests per version for manifesto's signatures). `latest` chooses a type's latest verified
 * version by the signed chain (src/policy/signed-chain.ts), compared with and advancing the trusted
 * state when one is given.
 */
import { latestVerified, signedVersion } from './signed-chain.ts';
import type { TrustPolicy, TrustRule } from './trust-policy.ts';
import type { TrustedStateStore } from './trusted-state.ts';
import type { LatestSigned, SignatureVerification, SignatureVerifier } from './verifier.ts';
import { verifyVersion } from './verify-version.ts';

export function trustPolicyVerifier(
  policy: TrustPolicy,
  now?: () => Date,
  trusted?: TrustedStateStore,
): SignatureVerifier {
  const rule: TrustRule = {
    index: -1,
    repositories: ['**'],
    types: ['*'],
    authorities: [...policy.authorities.keys()],
    require: 'any',
    enforcement: 'enforce',
  };
  const none = { authorities: [], reason: 'the trust policy has no authorities' };
  return {
    async verify(request): Promise<SignatureVerification> {
      if (rule.authorities.length === 0) return none;
      const verdict = await verifyVersion({
        repository: request.repository,
        version: request.version,
        policy,
        rule,
        now: now?.(),
      });
      return {
        authorities: verdict.signedBy,
        reason:
          verdict.status === 'verified'
            ? `signed by ${verdict.signedBy.join(', ')}`
            : (verdict.reason ?? verdict.status),
      };
    },
    async latest(request): Promise<LatestSigned> {
      if (rule.authorities.length === 0) return { version: undefined, versions: [], verification: none };
      const { repository, subject, type } = request;
      const result = await latestVerified({
        repository,
        versions: request.versions,
        policy,
        rule,
        now: now?.(),
        trusted:
          trusted === undefined
            ? undefined
            : { store: trusted, key: { location: repository.location, subject: subject.digest, type } },
      });
      const { latest } = result;
      const versions = result.entries.map(signedVersion);
      if (latest === undefined) {
        const newest = result.entries[0];
        return {
          version: versions[0],
          versions,
          verification: { authorities: [], reason: newest?.verdict?.reason ?? 'no version verifies' },
        };
      }
      const version = versions.find((v) => v.digest === latest.version.digest);
      const rollback = result.rollback;
      const problem =
        result.problems[0]?.message ??
        (rollback === undefined
          ? undefined
          : `rollback detected: ${rollback.remembered.digest} was verified before (${rollback.reason})`);
      return {
        version,
        versions,
        verification: {
          authorities: latest.signedBy,
          reason: `signed by ${latest.signedBy.join(', ')}`,
          ...(problem === undefined ? {} : { problem }),
        },
      };
    },
  };
}
