/**
 * What verifying one metadata version yields (verify-version.ts), and what it is given. The types
 * live apart from the verifier because verify-foreign.ts (other tools' signatures) returns the same
 * verdict and is called by verify-version.ts: in one file with the verifier they would make a cycle.
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
