/**
 * What verifying one metadata version yields (verify-version.ts), and what it is given. The types
 * live apart from the verifier because verify-foreign.ts (other tools' signatures) returns the same
 * verdict and is called by verify-version.ts: in one file with the verifier they would make a cycle.
 * For the same reason the refusals both verifiers share (expired, too few, not allowed) are worded here.
 */
import type { RepositoryReader } from '../../content/repository.ts';
import type { ManifestoError } from '../../errors/errors.ts';
import type { ContentInfo, MetadataVersion } from '../../metadata/version.ts';
import type { SignatureFormat } from '../../signing/stored.ts';
import type { TrustPolicy, TrustRule } from './trust-policy.ts';

/** What a verified signature vouches for. */
export interface SignedFacts {
  type: string | undefined;
  created: string | undefined;
  supersedes: string | undefined;
  content: ContentInfo | undefined;
  /** Expiry set by the signer. */
  expires: string | undefined;
}

export interface SignatureCheck {
  format: SignatureFormat;
  /** The signature manifest's digest. */
  manifest: string;
  /** The authority whose key or root verified it. */
  authority?: string | undefined;
  /** The signer: certificate subject or key hint. */
  signer?: string | undefined;
  /** Why it was not accepted (untrusted, invalid, expired...). */
  error?: ManifestoError | undefined;
}

export type VersionStatus =
  | 'verified'
  | 'unsigned'
  | 'untrusted'
  | 'not-allowed'
  | 'insufficient'
  | 'expired'
  | 'invalid';

export interface VersionVerdict {
  version: MetadataVersion;
  status: VersionStatus;
  /** Authorities of the rule that signed it validly. */
  signedBy: string[];
  signatures: SignatureCheck[];
  /** Set when verified. */
  signed?: SignedFacts | undefined;
  /** One-line reason when not verified. */
  reason?: string | undefined;
  /** Warnings: signature entries skipped as unusable. */
  notes?: string[] | undefined;
}

export interface VerifyVersionOptions {
  repository: RepositoryReader;
  version: MetadataVersion;
  policy: TrustPolicy;
  rule: TrustRule;
  now?: Date | undefined;
}

/**
 * Why `rule` refuses a version that valid signatures did not get accepted, in the order statuses are
 * reported: an expired signature, too few of the rule's authorities (`allowed`), or signers
 * (`signers`, authority names) the rule does not accept. Undefined when none applies: the caller
 * then reports invalid, untrusted or unsigned in its own words.
 */
export function ruleRefusal(
  rule: TrustRule,
  allowed: readonly string[],
  signers: readonly string[],
  expired: boolean,
): { status: VersionStatus; reason: string } | undefined {
  const names = (list: readonly string[]) => list.join(', ');
  if (expired) return { status: 'expired', reason: 'its signature has expired' };
  if (allowed.length > 0) {
    return {
      status: 'insufficient',
      reason: `signed by ${names(allowed)}, but the rule requires ${rule.require} of ${names(rule.authorities)}`,
    };
  }
  if (signers.length > 0) {
    return {
      status: 'not-allowed',
      reason: `signed by ${names(signers)}, which the rule does not accept for this type (needs ${names(rule.authorities)})`,
    };
  }
  return undefined;
}
