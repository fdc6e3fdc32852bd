/**
 * The gate's SignatureVerifier (verifier.ts) backed by the trust policy: a version's authorities are
 * every authority of the policy whose valid, unexpired signature covers the version manifest
 * (two requests per version for manifesto's signatures).
 */
import type { TrustPolicy, TrustRule } from './trust-policy.ts';
import type { SignatureVerification, SignatureVerifier } from './verifier.ts';
import { verifyVersion } from './verify-version.ts';

export function trustPolicyVerifier(policy: TrustPolicy, now?: () => Date): SignatureVerifier {
  const rule: TrustRule = {
    index: -1,
    repositories: ['**'],
    types: ['*'],
    authorities: [...policy.authorities.keys()],
    require: 'any',
    enforcement: 'enforce',
  };
  return {
    async verify(request): Promise<SignatureVerification> {
      if (rule.authorities.length === 0)
        return { authorities: [], reason: 'the trust policy has no authorities' };
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
  };
}
