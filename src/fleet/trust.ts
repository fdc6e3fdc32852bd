/**
 * Verification status in the index: when `index sync` is given a trust policy, the latest version
 * of each type is checked under it with the same verifier as `manifesto verify` (policy/trust's
 * verifyVersion: two requests per version signed by manifesto), and the row records the status,
 * the authorities that signed and the identity of the policy it was checked under.
 *
 * The identity is a sha256 over what decides a verdict (the rules, each authority's keys,
 * certificates and identities), not over the file's bytes or path: a policy edited in a way that
 * changes a verdict changes it, and every image is then read and verified again on the next sync
 * (the identity is part of the image's listing key, sync.ts). Without a policy the key is what it
 * always was, so a sync without one costs the requests it did before.
 */
import { createHash } from 'node:crypto';
import type { RepositoryReader } from '../content/repository.ts';
import { isManifestoError } from '../errors/errors.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import { matchRule, type TrustPolicy } from '../policy/trust/trust-policy.ts';
import { verifyVersion } from '../policy/trust/verify-version.ts';
import type { VerificationStatus } from './store.ts';

export interface IndexTrust {
  policy: TrustPolicy;
  /** policyIdentity(policy). */
  identity: string;
  now?: (() => Date) | undefined;
}

/** sha256 (hex) of the parts of a trust policy that decide verdicts. */
export function policyIdentity(policy: TrustPolicy): string {
  const authorities = [...policy.authorities.values()]
    .map((a) => ({
      name: a.name,
      keys: a.keys.map((k) => k.export({ type: 'spki', format: 'der' }).toString('base64')).sort(),
      certificates: a.certificates.map((c) => c.raw.toString('base64')).sort(),
      identities: a.identities,
    }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const rules = policy.rules.map((r) => ({
    repositories: r.repositories,
    types: r.types,
    authorities: r.authorities,
    require: r.require,
    enforcement: r.enforcement,
  }));
  return createHash('sha256').update(JSON.stringify({ authorities, rules })).digest('hex');
}

export interface VersionTrust {
  verification: VerificationStatus;
  signedBy: string[];
  policy: string;
}

/**
 * The status of `version` (of the repository at `location`) under the trust: `not-checked` when no
 * rule matches its type or the rule says skip. A signature that cannot be read for a reason other
 * than an unavailable registry makes the version `invalid`, with the problem told.
 */
export async function verifyForIndex(
  trust: IndexTrust,
  repository: RepositoryReader,
  location: string,
  version: MetadataVersion,
  onProblem: (message: string) => void,
): Promise<VersionTrust> {
  const matched = matchRule(trust.policy, location, version.type);
  if (matched.rule === undefined || matched.enforcement === 'skip')
    return { verification: 'not-checked', signedBy: [], policy: trust.identity };
  try {
    const verdict = await verifyVersion({
      repository,
      version,
      policy: trust.policy,
      rule: matched.rule,
      now: trust.now?.(),
    });
    return { verification: verdict.status, signedBy: verdict.signedBy, policy: trust.identity };
  } catch (error) {
    if (!isManifestoError(error) || error.category === 'unavailable') throw error;
    onProblem(`${version.digest} (${version.type}): not verified: ${error.message}`);
    return { verification: 'invalid', signedBy: [], policy: trust.identity };
  }
}
