/**
 * What `signedBy` rules need from signature verification. The gate depends on this interface only;
 * the signing module (src/signing) provides the implementation that checks a version's signatures
 * against the trust policy. Without a verifier every `signedBy` rule denies (fail closed).
 */
import type { RepositoryReader } from '../../content/repository.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import type { Descriptor } from '../../oci/descriptor.ts';

export interface SignatureVerificationRequest {
  repository: RepositoryReader;
  /** The manifest the version is a referrer of (a platform image or the index). */
  subject: Descriptor;
  type: string;
  version: MetadataVersion;
}

export interface SignatureVerification {
  /** The trusted authorities (trust policy names) whose valid signature covers the version. */
  authorities: string[];
  /** Why no (or which) signature counted: "signed by acme-ci", "no signature", "certificate expired". */
  reason: string;
  /**
   * Set when the version, whoever signed it, must not pass as the latest: a newer version does not
   * verify, or it is older than the trusted state's (a rollback). signedBy rules deny with it.
   */
  problem?: string | undefined;
}

export interface LatestSignedRequest {
  repository: RepositoryReader;
  /** The manifest the versions are referrers of. */
  subject: Descriptor;
  type: string;
  /** The listed versions of the type (the listing's order and annotations are only a hint). */
  versions: readonly MetadataVersion[];
}

export interface LatestSigned {
  /**
   * The version the rules read: the newest that verifies, else the newest by signed facts. Its
   * `created` and `supersedes` (and those of `versions`) are the signed (or digest-pinned) ones.
   */
  version: MetadataVersion | undefined;
  /** Every listed version that exists, newest first by signed (or digest-pinned) facts. */
  versions: MetadataVersion[];
  /** Its verification, with a `problem` when a newer version does not verify or it is a rollback. */
  verification: SignatureVerification;
}

export interface SignatureVerifier {
  verify(request: SignatureVerificationRequest): Promise<SignatureVerification>;
  /**
   * The latest verified version of one type by the signed chain (src/policy/signed-chain.ts). When
   * present, the gate reads the types a signedBy rule names through it instead of the listing's latest.
   */
  latest?(request: LatestSignedRequest): Promise<LatestSigned>;
}
