/**
 * What `signedBy` rules need from signature verification. The gate depends on this interface only;
 * the signing module (src/signing) provides the implementation that checks a version's signatures
 * against the trust policy. Without a verifier every `signedBy` rule denies (fail closed).
 */
import type { Repository } from '../content/repository.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import type { Descriptor } from '../spec/descriptor.ts';

export interface SignatureVerificationRequest {
  repository: Repository;
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
}

export interface SignatureVerifier {
  verify(request: SignatureVerificationRequest): Promise<SignatureVerification>;
}
